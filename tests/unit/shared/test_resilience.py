"""Backoff bounds and the circuit breaker's state machine."""

from __future__ import annotations

import random

from hypothesis import given
from hypothesis import strategies as st

from shared.errors import DeadlineExceeded, Unavailable
from shared.mesh.resilience import (
    CIRCUIT_OPEN,
    PEER_UNAVAILABLE,
    BreakerState,
    CircuitBreaker,
    RetryPolicy,
    is_idempotent,
    peer_unavailable,
)


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


def test_a_peer_reachable_again_lets_a_trial_through_at_once() -> None:
    clock = FakeClock()
    breaker = CircuitBreaker(failure_threshold=1, reset_timeout=60, clock=clock)  # type: ignore[arg-type]
    breaker.record_failure()
    assert breaker.state is BreakerState.OPEN and breaker.retry_after() == 60
    breaker.peer_reachable()  # no time passed
    assert breaker.state is BreakerState.HALF_OPEN and breaker.retry_after() == 0
    assert breaker.allow() and not breaker.allow()
    breaker.record_success()
    assert breaker.state is BreakerState.CLOSED
    breaker.peer_reachable()  # a closed circuit stays closed
    assert breaker.state is BreakerState.CLOSED


def test_failed_trials_keep_the_circuit_open_longer_up_to_a_cap() -> None:
    clock = FakeClock()
    breaker = CircuitBreaker(failure_threshold=1, reset_timeout=0.5, max_reset_timeout=2,  # type: ignore[arg-type]
                             clock=clock)
    breaker.record_failure()
    waits = []
    for _ in range(4):
        waits.append(breaker.retry_after())
        clock.now += breaker.retry_after()
        assert breaker.allow()
        breaker.record_failure()  # the trial failed
    assert waits == [0.5, 1.0, 2.0, 2.0]
    clock.now += breaker.retry_after()
    assert breaker.allow()
    breaker.record_success()
    breaker.record_failure()  # opened again after closing: the first open time again
    assert breaker.retry_after() == 0.5


def test_an_abandoned_trial_hands_the_trial_to_the_next_call() -> None:
    clock = FakeClock()
    breaker = CircuitBreaker(failure_threshold=1, reset_timeout=1, clock=clock)  # type: ignore[arg-type]
    breaker.record_failure()
    clock.now = 1.0
    assert breaker.allow() and not breaker.allow()
    breaker.record_abandoned()  # the trial call was cancelled before an answer
    assert breaker.state is BreakerState.HALF_OPEN and breaker.allow()


def test_failures_of_calls_in_flight_do_not_extend_an_open_circuit() -> None:
    clock = FakeClock()
    breaker = CircuitBreaker(failure_threshold=1, reset_timeout=1, clock=clock)  # type: ignore[arg-type]
    breaker.record_failure()
    clock.now = 0.9
    breaker.record_failure()  # a call sent before the circuit opened
    clock.now = 1.0
    assert breaker.state is BreakerState.HALF_OPEN


def test_only_a_peer_that_could_not_be_reached_is_peer_unavailable() -> None:
    assert peer_unavailable(Unavailable("down", reason=PEER_UNAVAILABLE))
    assert peer_unavailable(Unavailable("circuit open", reason=CIRCUIT_OPEN))
    assert peer_unavailable(DeadlineExceeded("no answer", reason=PEER_UNAVAILABLE))
    assert not peer_unavailable(Unavailable("every provider failed"))
    assert not peer_unavailable(DeadlineExceeded("the model took too long"))
