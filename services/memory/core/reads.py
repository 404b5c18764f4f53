"""Reads of memories, recorded off the answer's path.

A search or a read returns at once; what it returned is buffered here and written in one
transaction per interval (access counts and times for ranking, who read what for the
inspector). A crash loses at most one interval's statistics, never a memory.
"""

from __future__ import annotations

import asyncio
import contextlib
import datetime as dt
import logging
from collections.abc import Sequence
from typing import Protocol

from services.memory.core.models import Memory
from shared.resources.entity import utc_now

log = logging.getLogger(__name__)


class ReadStore(Protocol):
    """Where reads are written."""

    async def write(self, reads: Sequence[tuple[Memory, str, dt.datetime]]) -> None: ...


class ReadBuffer:
    """Buffers reads and writes them every ``interval`` seconds (a background loop).

    Args:
        store: Where reads are written.
        interval: Seconds between writes.
        limit: Reads buffered at most; beyond it the oldest statistics are dropped.
    """

    def __init__(self, store: ReadStore, interval: float = 1.0, limit: int = 100_000) -> None:
        self._store = store
        self._interval = interval
        self._limit = limit
        self._buffer: list[tuple[Memory, str, dt.datetime]] = []

    def record(self, memories: Sequence[Memory], principal: str) -> None:
        """Note that ``principal`` read ``memories`` now."""
        now = utc_now()
        self._buffer.extend((m, principal, now) for m in memories)
        if len(self._buffer) > self._limit:
            del self._buffer[: len(self._buffer) - self._limit]

    async def flush(self) -> None:
        """Write what is buffered."""
        reads, self._buffer = self._buffer, []
        try:
            await self._store.write(reads)
        except Exception:
            log.warning("could not record %d memory reads", len(reads), exc_info=True)

    async def run(self, stopping: asyncio.Event) -> None:
        """Flush every interval until ``stopping`` is set, then once more."""
        while not stopping.is_set():
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(stopping.wait(), self._interval)
            await self.flush()
