"""Slots: how many sandboxed processes run at once, and which slot (so which uid) each has."""

from __future__ import annotations

import asyncio
import collections
import contextlib
from collections.abc import AsyncIterator, Iterator


class SlotsExhausted(RuntimeError):
    """Every slot is taken and the caller would not wait."""


class SlotPool:
    """Slot numbers ``first .. first + size - 1``, each held by one process at a time, handed
    out first come, first served.

    Args:
        size: How many slots (processes at once).
        first: The first slot number.
    """

    def __init__(self, size: int, first: int = 0) -> None:
        if size < 1:
            raise ValueError("a slot pool needs at least one slot")
        self._free = collections.deque(range(first, first + size))
        self._waiters: collections.deque[asyncio.Future[int]] = collections.deque()

    async def acquire(self) -> int:
        """A free slot, waiting for one."""
        if self._free and not self._waiters:
            return self._free.popleft()
        waiter: asyncio.Future[int] = asyncio.get_running_loop().create_future()
        self._waiters.append(waiter)
        try:
            return await waiter
        except asyncio.CancelledError:
            if waiter.done() and not waiter.cancelled():
                self.release(waiter.result())  # handed over as the caller gave up
            else:
                self._waiters.remove(waiter)
            raise

    def acquire_now(self) -> int:
        """A free slot now, or SlotsExhausted."""
        if not self._free:
            raise SlotsExhausted("every sandbox slot is in use")
        return self._free.popleft()

    def release(self, slot: int) -> None:
        """Give ``slot`` back: to the longest waiter, if any."""
        while self._waiters:
            waiter = self._waiters.popleft()
            if not waiter.done():
                waiter.set_result(slot)
                return
        self._free.append(slot)

    @contextlib.asynccontextmanager
    async def lease(self) -> AsyncIterator[int]:
        """A free slot for the block, waiting for one."""
        slot = await self.acquire()
        try:
            yield slot
        finally:
            self.release(slot)

    @contextlib.contextmanager
    def lease_now(self) -> Iterator[int]:
        """A free slot for the block, or SlotsExhausted."""
        slot = self.acquire_now()
        try:
            yield slot
        finally:
            self.release(slot)
