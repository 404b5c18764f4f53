"""Calls that outlast a restart of the mesh.

A command following a goal must not fail because the planner, another service or Envoy was
restarted under it: a call that failed only because the mesh was unreachable is made again,
with jittered backoff, until the command's deadline.
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from typing import TypeVar

import grpc

from shared.mesh.resilience import RetryPolicy

T = TypeVar("T")

# A call that failed with one of these never reached a serving peer (Envoy answers
# UNAVAILABLE while the service has no healthy replica; a refused connection is UNAVAILABLE).
UNREACHABLE = frozenset({grpc.StatusCode.UNAVAILABLE, grpc.StatusCode.DEADLINE_EXCEEDED})
BACKOFF = RetryPolicy(base_delay=0.1, max_delay=2.0)
# After a refused connection the channel tries again within a second (gRPC's default backoff
# grows to two minutes), so a restarted Envoy is found again at once.
CHANNEL_OPTIONS = [("grpc.initial_reconnect_backoff_ms", 100),
                   ("grpc.max_reconnect_backoff_ms", 1_000)]


class Reconnecting:
    """Makes calls again while the mesh is unreachable, until ``deadline``.

    Args:
        deadline: The event loop's time after which a failure is final (raised).
        notify: Told once when the mesh is lost and once when it is reached again.
    """

    def __init__(self, deadline: float, notify: Callable[[str], None]) -> None:
        self.deadline = deadline
        self._notify = notify
        self._failures = 0
        self._lost_at: float | None = None

    async def call(self, make: Callable[[], Awaitable[T]]) -> T:
        """The result of ``make()``, called again after each failure that left the mesh
        unreachable. Safe for reads and for mutations carrying a ``request_id``."""
        while True:
            try:
                result = await make()
            except grpc.aio.AioRpcError as error:
                if error.code() not in UNREACHABLE:
                    raise
                await self.wait(error)
            else:
                self.reached()
                return result

    async def wait(self, error: grpc.aio.AioRpcError) -> None:
        """Pause before trying again after ``error``; raises ``error`` once past the deadline."""
        now = asyncio.get_running_loop().time()
        if now >= self.deadline:
            raise error
        if self._lost_at is None:
            self._lost_at = now
            self._notify(f"lost the mesh ({error.code().name}: {_one_line(error.details())}); "
                         "reconnecting")
        self._failures += 1
        await asyncio.sleep(min(self.deadline - now, BACKOFF.delay(self._failures)))

    def reached(self) -> None:
        """Record that a call got through (ending an outage, if there was one)."""
        self._failures = 0
        if self._lost_at is not None:
            lost_for = asyncio.get_running_loop().time() - self._lost_at
            self._lost_at = None
            self._notify(f"reconnected after {lost_for:.1f}s")


def _one_line(text: str | None) -> str:
    return " ".join((text or "").split())
