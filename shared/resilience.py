"""Retry and circuit-breaking rules for calls between services.

Which calls may be retried is decided in one place, :func:`is_idempotent`, and used both by
the shared client and by Envoy's route table, so that a route is retried by exactly one of
them (Envoy for external traffic, the client for direct service-to-service calls).
"""

from __future__ import annotations

import random
import time
from collections.abc import Callable
from dataclasses import dataclass
from enum import Enum

IDEMPOTENT_VERBS = ("Get", "List", "Watch", "Search", "Query", "Verify", "Check")


def is_idempotent(method: str) -> bool:
    """Whether RPC ``method`` (``GetGoal`` or ``/pkg.Svc/GetGoal``) is safe to repeat."""
    return method.rsplit("/", 1)[-1].startswith(IDEMPOTENT_VERBS)


@dataclass(frozen=True)
class RetryPolicy:
    """Exponential backoff with full jitter: attempt n waits U(0, min(cap, base * 2**n))."""

    max_attempts: int = 4
    base_delay: float = 0.05
    max_delay: float = 1.0

    def delay(self, attempt: int, rng: random.Random | None = None) -> float:
        """Seconds to wait before retry number ``attempt`` (1-based)."""
        ceiling = min(self.max_delay, self.base_delay * 2 ** (attempt - 1))
        return (rng or random).uniform(0, ceiling)


class BreakerState(Enum):
    """Closed: calls flow. Open: calls fail fast. Half-open: one trial call decides."""

    CLOSED = "closed"
    OPEN = "open"
    HALF_OPEN = "half_open"


class CircuitBreaker:
    """Opens after ``failure_threshold`` consecutive failures; after ``reset_timeout`` seconds
    lets one trial call through, closing on its success and re-opening on its failure.

    Args:
        failure_threshold: Consecutive failures that open the circuit.
        reset_timeout: Seconds to stay open before a trial call.
        clock: Monotonic clock, injectable for tests.
    """

    def __init__(self, failure_threshold: int = 5, reset_timeout: float = 5.0,
                 clock: Callable[[], float] = time.monotonic) -> None:
        self.failure_threshold = failure_threshold
        self.reset_timeout = reset_timeout
        self._clock = clock
        self._failures = 0
        self._opened_at = 0.0
        self._state = BreakerState.CLOSED
        self._trial_in_flight = False

    @property
    def state(self) -> BreakerState:
        if self._state is BreakerState.OPEN and (
            self._clock() - self._opened_at >= self.reset_timeout
        ):
            self._state = BreakerState.HALF_OPEN
            self._trial_in_flight = False
        return self._state

    def allow(self) -> bool:
        """Whether a call may go out now (claims the trial slot when half-open)."""
        state = self.state
        if state is BreakerState.CLOSED:
            return True
        if state is BreakerState.HALF_OPEN and not self._trial_in_flight:
            self._trial_in_flight = True
            return True
        return False

    def record_success(self) -> None:
        self._failures = 0
        self._state = BreakerState.CLOSED
        self._trial_in_flight = False

    def record_failure(self) -> None:
        self._failures += 1
        if self._state is BreakerState.HALF_OPEN or self._failures >= self.failure_threshold:
            self._state = BreakerState.OPEN
            self._opened_at = self._clock()
            self._trial_in_flight = False
