"""``ProviderGate``: the calls one provider runs at once, the calls waiting their turn, and
the throughput of its recent completions.

A provider with slots (the local model server, which generates for a few requests at a time)
runs at most that many calls; the others wait in arrival order, for as long as their caller
lets them (a cancelled wait leaves the queue, and a slot handed to a call cancelled at that
moment passes to the next). Waiting is not running: the router starts a call's timeout when
the call gets its slot.
"""

from __future__ import annotations

import asyncio
import collections
import contextlib
import dataclasses
from collections.abc import AsyncIterator

# Completions the throughput is measured over.
THROUGHPUT_WINDOW = 20


@dataclasses.dataclass(frozen=True)
class CallLimits:
    """How one provider's calls are limited.

    Args:
        slots: Calls it runs at once; 0 means no limit of the runtime's.
        timeout_seconds: Seconds one call may take once it runs; None means the router's
            default.
    """

    slots: int = 0
    timeout_seconds: float | None = None


class ProviderGate:
    """Admission to one provider, first come first served, and what it served.

    Args:
        slots: Calls it runs at once; 0 means unlimited.
        window: Recent completions the throughput is measured over.
    """

    def __init__(self, slots: int = 0, window: int = THROUGHPUT_WINDOW) -> None:
        if slots < 0:
            raise ValueError("slots must be 0 (unlimited) or more")
        self.slots = slots
        self.in_flight = 0
        self.completions = 0
        self._waiters: collections.deque[asyncio.Future[None]] = collections.deque()
        self._recent: collections.deque[tuple[int, float]] = collections.deque(maxlen=window)

    @property
    def queued(self) -> int:
        """Calls waiting for a slot."""
        return sum(1 for waiter in self._waiters if not waiter.done())

    async def acquire(self) -> None:
        """Wait for a slot (behind every call already waiting); pair with :meth:`release`.

        Raises:
            asyncio.CancelledError: The caller gave up; it holds no slot and left the queue.
        """
        if not self.slots or (self.in_flight < self.slots and not self._waiters):
            self.in_flight += 1
            return
        waiter: asyncio.Future[None] = asyncio.get_running_loop().create_future()
        self._waiters.append(waiter)
        try:
            await waiter
        except asyncio.CancelledError:
            if waiter.done() and not waiter.cancelled():
                self.release()  # handed a slot just as it gave up: pass it on
            else:
                with contextlib.suppress(ValueError):  # release() may have dropped it
                    self._waiters.remove(waiter)
            raise

    def release(self) -> None:
        """Give back a slot: to the longest-waiting call, else free."""
        while self._waiters:
            waiter = self._waiters.popleft()
            if not waiter.done():
                waiter.set_result(None)  # the slot changes hands; in_flight stays
                return
        self.in_flight -= 1

    @contextlib.asynccontextmanager
    async def slot(self) -> AsyncIterator[None]:
        """A slot held for the block: :meth:`acquire` before it, :meth:`release` after."""
        await self.acquire()
        try:
            yield
        finally:
            self.release()

    def served(self, output_tokens: int, seconds: float) -> None:
        """Count a completion of ``output_tokens`` generated in ``seconds``."""
        self.completions += 1
        self._recent.append((output_tokens, seconds))

    @property
    def output_tokens_per_second(self) -> float:
        """Output tokens of the recent completions over their generation time; 0 without
        any."""
        seconds = sum(s for _, s in self._recent)
        return sum(t for t, _ in self._recent) / seconds if seconds > 0 else 0.0
