"""Failure strategies as pure decisions."""

from __future__ import annotations

import datetime as dt
import random

from services.agent_orchestrator.core.failure import (
    Escalate,
    Failure,
    FailureAction,
    Reassign,
    RetryWithBackoff,
    SkipNonCritical,
    failure_policy,
)
from services.agent_orchestrator.core.models import Assignment, FailureStrategy

NOW = dt.datetime(2026, 11, 25, 12, tzinfo=dt.UTC)


def failure(attempt: int = 1, critical: bool = True, prior: int = 0) -> Failure:
    assignment = Assignment(tenant="acme", id="as1", task="tenants/acme/goals/g/tasks/t",
                            goal="tenants/acme/goals/g", agent="a1", role="executor",
                            critical=critical, attempt=attempt, prior_attempts=prior)
    return Failure(assignment=assignment, error="boom", now=NOW)


def test_retry_backs_off_exponentially_with_jitter_then_gives_up() -> None:
    policy = RetryWithBackoff(max_attempts=4, base_delay=dt.timedelta(seconds=2),
                              max_delay=dt.timedelta(seconds=5), rng=random.Random(7))

    delays = [policy.decide(failure(n)).not_before - NOW for n in (1, 2, 3)]  # type: ignore[operator]

    assert dt.timedelta(seconds=1) <= delays[0] <= dt.timedelta(seconds=2)
    assert dt.timedelta(seconds=2) <= delays[1] <= dt.timedelta(seconds=4)
    assert dt.timedelta(seconds=2.5) <= delays[2] <= dt.timedelta(seconds=5)  # capped
    assert policy.decide(failure(3)).action is FailureAction.RETRY
    final = policy.decide(failure(4))
    assert final.action is FailureAction.FAIL
    assert final.not_before is None


def test_retry_counts_attempts_of_earlier_assignments() -> None:
    assert RetryWithBackoff(max_attempts=3).decide(failure(1, prior=2)).action \
        is FailureAction.FAIL


def test_jitter_spreads_retries() -> None:
    policy = RetryWithBackoff(rng=random.Random(1))

    assert len({policy.delay(3) for _ in range(5)}) == 5


def test_skip_non_critical_and_fail_critical() -> None:
    assert SkipNonCritical().decide(failure(critical=False)).action is FailureAction.SKIP
    assert SkipNonCritical().decide(failure(critical=True)).action is FailureAction.FAIL


def test_reassign_excludes_the_failed_agent_and_counts_attempts() -> None:
    decision = Reassign(max_attempts=2).decide(failure(1))

    assert decision.action is FailureAction.REASSIGN
    assert decision.exclude == {"a1"}
    assert Reassign(max_attempts=2).decide(failure(1, prior=1)).action is FailureAction.FAIL


def test_escalate_pauses_the_goal_and_raises_an_alert() -> None:
    decision = Escalate().decide(failure())

    assert decision.action is FailureAction.ESCALATE
    assert decision.pause_goal
    assert decision.alert is not None
    assert decision.alert.goal == "tenants/acme/goals/g"
    assert decision.alert.error == "boom"


def test_factory_maps_declared_strategies() -> None:
    assert isinstance(failure_policy(FailureStrategy.RETRY), RetryWithBackoff)
    assert isinstance(failure_policy(FailureStrategy.SKIP), SkipNonCritical)
    assert isinstance(failure_policy(FailureStrategy.REASSIGN), Reassign)
    assert isinstance(failure_policy(FailureStrategy.ESCALATE), Escalate)
