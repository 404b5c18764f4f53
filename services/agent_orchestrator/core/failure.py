"""Failure strategies: what happens to a task when an execution of it fails.

A strategy only decides; the :class:`~services.agent_orchestrator.core.scheduler.Scheduler`
applies the decision to the stored assignment, and the goal-level effects (marking the task
skipped or failed, pausing the goal, raising an alert) are carried out by the caller.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import enum
import random
from typing import Protocol

from services.agent_orchestrator.core.models import Assignment, FailureStrategy


class FailureAction(enum.StrEnum):
    """What to do with a failed assignment."""

    RETRY = "RETRY"  # run again on the same agent from ``not_before``
    SKIP = "SKIP"  # the task is skipped
    REASSIGN = "REASSIGN"  # run again on another agent, never on ``exclude``
    FAIL = "FAIL"  # the task failed for good
    ESCALATE = "ESCALATE"  # pause the goal and alert an operator


@dataclasses.dataclass(frozen=True, kw_only=True)
class Alert:
    """An alert to raise for an operator (sent by the caller; alerting is wired later)."""

    summary: str
    task: str
    goal: str
    agent: str
    error: str


@dataclasses.dataclass(frozen=True, kw_only=True)
class FailureDecision:
    """The outcome of a failure strategy.

    Attributes:
        action: What to do with the task.
        reason: Why, for logs and the assignment's history.
        not_before: For RETRY, the earliest time of the next attempt.
        exclude: For REASSIGN, agents that must not get the task.
        pause_goal: Whether the task's goal is to be paused.
        alert: The alert to raise, if any.
    """

    action: FailureAction
    reason: str
    not_before: dt.datetime | None = None
    exclude: frozenset[str] = frozenset()
    pause_goal: bool = False
    alert: Alert | None = None


@dataclasses.dataclass(frozen=True, kw_only=True)
class Failure:
    """A failed execution of an assignment."""

    assignment: Assignment
    error: str
    now: dt.datetime


class FailurePolicy(Protocol):
    """Decides what happens after a failed execution."""

    def decide(self, failure: Failure) -> FailureDecision:
        ...


DEFAULT_MAX_ATTEMPTS = 3


def _fail(failure: Failure, why: str) -> FailureDecision:
    return FailureDecision(action=FailureAction.FAIL, reason=f"{why}: {failure.error}")


class RetryWithBackoff:
    """Retry on the same agent after an exponential, jittered delay, up to ``max_attempts``.

    The delay before attempt n+1 is ``min(max_delay, base_delay * 2**(n-1))``, of which the
    second half is random (equal jitter), so replicas retrying together spread out.

    Args:
        max_attempts: Executions of the task in all, after which it fails for good.
        base_delay: Delay after the first failure, before jitter.
        max_delay: Cap of the delay.
        rng: Source of the jitter (seed it in tests).
    """

    def __init__(self, max_attempts: int = DEFAULT_MAX_ATTEMPTS,
                 base_delay: dt.timedelta = dt.timedelta(seconds=1),
                 max_delay: dt.timedelta = dt.timedelta(minutes=1),
                 rng: random.Random | None = None) -> None:
        self.max_attempts = max_attempts
        self.base_delay = base_delay
        self.max_delay = max_delay
        self._rng = rng or random.Random()

    def delay(self, attempt: int) -> dt.timedelta:
        """The jittered delay after failed attempt ``attempt`` (1-based)."""
        ceiling = min(self.max_delay, self.base_delay * 2.0 ** (attempt - 1))
        return ceiling / 2 + ceiling / 2 * self._rng.random()

    def decide(self, failure: Failure) -> FailureDecision:
        attempt = failure.assignment.task_attempt
        if attempt >= self.max_attempts:
            return _fail(failure, f"gave up after {attempt} attempts")
        return FailureDecision(action=FailureAction.RETRY,
                               reason=f"attempt {attempt} failed: {failure.error}",
                               not_before=failure.now + self.delay(attempt))


class SkipNonCritical:
    """Skip a non-critical task; a critical one fails for good."""

    def decide(self, failure: Failure) -> FailureDecision:
        if failure.assignment.critical:
            return _fail(failure, "critical task cannot be skipped")
        return FailureDecision(action=FailureAction.SKIP,
                               reason=f"non-critical task skipped: {failure.error}")


class Reassign:
    """Run the task again on another agent of its role, up to ``max_attempts`` in all.

    When no other agent can take it, it is retried on the same agent from ``not_before``
    (the backoff of :class:`RetryWithBackoff`).
    """

    def __init__(self, max_attempts: int = DEFAULT_MAX_ATTEMPTS,
                 backoff: RetryWithBackoff | None = None) -> None:
        self.max_attempts = max_attempts
        self._backoff = backoff or RetryWithBackoff()

    def decide(self, failure: Failure) -> FailureDecision:
        attempt = failure.assignment.task_attempt
        if attempt >= self.max_attempts:
            return _fail(failure, f"gave up after {attempt} attempts")
        return FailureDecision(action=FailureAction.REASSIGN,
                               reason=f"agent {failure.assignment.agent} failed: {failure.error}",
                               exclude=frozenset({failure.assignment.agent}),
                               not_before=failure.now + self._backoff.delay(attempt))


class Escalate:
    """Pause the goal and ask a human operator, through an alert."""

    def decide(self, failure: Failure) -> FailureDecision:
        assignment = failure.assignment
        return FailureDecision(
            action=FailureAction.ESCALATE, reason=f"escalated: {failure.error}", pause_goal=True,
            alert=Alert(summary=f"task {assignment.task} failed and needs an operator",
                        task=assignment.task, goal=assignment.goal, agent=assignment.agent,
                        error=failure.error))


def failure_policy(strategy: FailureStrategy) -> FailurePolicy:
    """A policy object for an agent's declared failure strategy."""
    if strategy is FailureStrategy.SKIP:
        return SkipNonCritical()
    if strategy is FailureStrategy.REASSIGN:
        return Reassign()
    if strategy is FailureStrategy.ESCALATE:
        return Escalate()
    return RetryWithBackoff()
