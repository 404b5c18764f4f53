"""Retry and circuit-breaking rules for calls between services.

Which calls may be retried is decided in one place, :func:`is_idempotent`, and used both by
the shared client and by Envoy's route table, so that a route is retried by exactly one of
them (Envoy for external traffic, the client for direct service-to-service calls).
:func:`peer_unavailable` tells a call that failed because a peer of the mesh could not be
reached (a process down or restarting) from one the peer answered with an error.
"""

from __future__ import annotations

import random
import time
from collections.abc import Callable
from dataclasses import dataclass
from enum import Enum

from shared.errors import CognitionError

IDEMPOTENT_VERBS = ("Get", "List", "Watch", "Search", "Retrieve", "Query", "Verify", "Check")

# Reasons of the errors the shared client raises when the peer could not be reached: the
# call found no process (or a dying one) to answer it, or the circuit to the peer is open.
# A service relaying such an error keeps its reason, so it is recognised hops away.
# Seconds a call answered by a model may take: a local model on a small CPU may queue behind
# other tasks' calls and then generate for minutes.
MODEL_CALL_TIMEOUT = 600.0
PEER_UNAVAILABLE = "PEER_UNAVAILABLE"
CIRCUIT_OPEN = "CIRCUIT_OPEN"
PEER_UNAVAILABLE_REASONS = frozenset({PEER_UNAVAILABLE, CIRCUIT_OPEN})


def is_idempotent(method: str) -> bool:
    """Whether RPC ``method`` (``GetGoal`` or ``/pkg.Svc/GetGoal``) is safe to repeat."""
    return method.rsplit("/", 1)[-1].startswith(IDEMPOTENT_VERBS)


def peer_unavailable(error: CognitionError) -> bool:
    """Whether ``error`` says only that a peer of the mesh could not be reached (down,
    restarting, or behind an open circuit), not that a peer answered with an error of its
    own: the same call may succeed once the peer is back."""
    return error.reason in PEER_UNAVAILABLE_REASONS


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
    """Opens after ``failure_threshold`` consecutive failures to reach the peer; lets one
    trial call through as soon as the peer is reachable again (:meth:`peer_reachable`, told
    by the client watching its connection) or, failing that, after the open time; the trial
    closes it on success and re-opens it on failure.

    The open time starts at ``reset_timeout`` and doubles with each failed trial, up to
    ``max_reset_timeout`` (a peer that stays unreachable is tried less and less often).

    Args:
        failure_threshold: Consecutive failures that open the circuit.
        reset_timeout: Seconds the circuit first stays open before a trial call.
        max_reset_timeout: Most seconds it stays open before a trial call.
        clock: Monotonic clock, injectable for tests.
    """

    def __init__(self, failure_threshold: int = 5, reset_timeout: float = 0.5,
                 max_reset_timeout: float = 5.0,
                 clock: Callable[[], float] = time.monotonic) -> None:
        self.failure_threshold = failure_threshold
        self.reset_timeout = reset_timeout
        self.max_reset_timeout = max(reset_timeout, max_reset_timeout)
        self._clock = clock
        self._failures = 0
        self._opened_at = 0.0
        self._open_for = reset_timeout
        self._state = BreakerState.CLOSED
        self._trial_in_flight = False

    @property
    def state(self) -> BreakerState:
        if self._state is BreakerState.OPEN and self.retry_after() == 0:
            self._half_open()
        return self._state

    def retry_after(self) -> float:
        """Seconds until the open circuit lets a trial call through on its own (0 when it
        is not open)."""
        if self._state is not BreakerState.OPEN:
            return 0.0
        return max(0.0, self._opened_at + self._open_for - self._clock())

    def allow(self) -> bool:
        """Whether a call may go out now (claims the trial slot when half-open)."""
        state = self.state
        if state is BreakerState.CLOSED:
            return True
        if state is BreakerState.HALF_OPEN and not self._trial_in_flight:
            self._trial_in_flight = True
            return True
        return False

    def peer_reachable(self) -> None:
        """The peer can be reached again: an open circuit goes half-open at once."""
        if self._state is BreakerState.OPEN:
            self._half_open()

    def record_success(self) -> None:
        self._failures = 0
        self._state = BreakerState.CLOSED
        self._open_for = self.reset_timeout
        self._trial_in_flight = False

    def record_failure(self) -> None:
        self._failures += 1
        if self._state is BreakerState.HALF_OPEN:
            self._open(min(self.max_reset_timeout, self._open_for * 2))
        elif self._state is BreakerState.CLOSED and self._failures >= self.failure_threshold:
            self._open(self.reset_timeout)

    def record_abandoned(self) -> None:
        """A call let through ended without telling whether the peer is up (cancelled, or
        an error of the caller's): a trial it held goes to the next call."""
        self._trial_in_flight = False

    def _open(self, duration: float) -> None:
        self._state = BreakerState.OPEN
        self._opened_at = self._clock()
        self._open_for = duration
        self._trial_in_flight = False

    def _half_open(self) -> None:
        self._state = BreakerState.HALF_OPEN
        self._trial_in_flight = False
