"""Keeping the vector index in step with the memories' rows: the outbox relay.

Every write of a memory commits its row with ``indexed`` false first; then the vector index is
changed (the vector added when the memory is active, removed otherwise) and the row marked
``indexed`` if it has not changed since. A crash between the two leaves rows that are not
``indexed``, which :meth:`IndexSync.catch_up` completes at start and in the background, so the
row and the vector never disagree for longer than one pass. A deleted memory's row stays (as
``deleted``) until its vector is gone.
"""

from __future__ import annotations

import asyncio
import datetime as dt
import logging
from collections.abc import Sequence
from typing import Protocol

from services.memory.core.models import Memory
from services.memory.core.ports import VectorIndex
from shared.resources.entity import utc_now

log = logging.getLogger(__name__)


class PendingStore(Protocol):
    """The rows the index has not caught up with."""

    async def pending(self, limit: int, before: dt.datetime | None = None) -> list[Memory]: ...

    async def mark_indexed(self, memories: Sequence[Memory]) -> None: ...


class IndexSync:
    """Applies rows to the vector index and marks them done.

    Args:
        store: The memories' rows.
        index: The vector index.
        batch: Rows per pass of :meth:`catch_up`.
    """

    def __init__(self, store: PendingStore, index: VectorIndex, batch: int = 500) -> None:
        self._store = store
        self._index = index
        self._batch = batch
        self._lock = asyncio.Lock()

    async def apply(self, memories: Sequence[Memory]) -> None:
        """Make the index reflect ``memories`` (as just written), then mark them indexed."""
        async with self._lock:
            present = [m for m in memories if m.searchable and not m.deleted]
            absent = [m for m in memories if not (m.searchable and not m.deleted)]
            if present:
                await self._index.upsert(present)
            if absent:
                await self._index.remove(absent)
            await self._store.mark_indexed(memories)

    async def try_apply(self, memories: Sequence[Memory]) -> bool:
        """:meth:`apply`, leaving the rows to :meth:`catch_up` when the index fails."""
        try:
            await self.apply(memories)
        except Exception:
            log.warning("vector index write failed; %d memories left to the index sync",
                        len(memories), exc_info=True)
            return False
        return True

    async def catch_up(self, grace: dt.timedelta = dt.timedelta(0)) -> int:
        """Apply every row pending for longer than ``grace`` (rows a write is applying now are
        younger); returns how many were applied."""
        before = utc_now() - grace if grace else None
        done = 0
        while True:
            pending = await self._store.pending(self._batch, before)
            if not pending:
                return done
            await self.apply(pending)
            done += len(pending)
