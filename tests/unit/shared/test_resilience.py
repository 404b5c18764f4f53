"""Backoff bounds and the circuit breaker's state machine."""

from __future__ import annotations

import random

from hypothesis import given
from hypothesis import strategies as st

from shared.resilience import BreakerState, CircuitBreaker, RetryPolicy, is_idempotent


class FakeClock:
    def __init__(self) -> None:
        self.now = 0.0

    def __call__(self) -> float:
        return self.now


@given(attempt=st.integers(min_value=1, max_value=30), seed=st.integers())
def test_backoff_stays_within_the_exponential_ceiling(attempt: int, seed: int) -> None:
    policy = RetryPolicy(base_delay=0.05, max_delay=1.0)
    delay = policy.delay(attempt, random.Random(seed))
    assert 0 <= delay <= min(1.0, 0.05 * 2 ** (attempt - 1))


def test_breaker_opens_after_threshold_and_recovers_through_one_trial() -> None:
    clock = FakeClock()
    breaker = CircuitBreaker(failure_threshold=3, reset_timeout=5, clock=clock)  # type: ignore[arg-type]
    for _ in range(3):
        assert breaker.allow()
        breaker.record_failure()
    assert breaker.state is BreakerState.OPEN and not breaker.allow()
    clock.now = 5.0
    assert breaker.state is BreakerState.HALF_OPEN
    assert breaker.allow() and not breaker.allow()  # exactly one trial call
    breaker.record_success()
    assert breaker.state is BreakerState.CLOSED and breaker.allow()


def test_failed_trial_reopens() -> None:
    clock = FakeClock()
    breaker = CircuitBreaker(failure_threshold=1, reset_timeout=2, clock=clock)  # type: ignore[arg-type]
    breaker.record_failure()
    clock.now = 2.0
    assert breaker.allow()
    breaker.record_failure()
    assert breaker.state is BreakerState.OPEN
    clock.now = 3.0
    assert not breaker.allow()


def test_idempotency_follows_the_verb() -> None:
    assert is_idempotent("/cognition.planner.v1.PlannerService/GetGoal")
    assert is_idempotent("ListGoals") and is_idempotent("WatchGoal")
    assert not is_idempotent("CreateGoal") and not is_idempotent("CancelGoal")
