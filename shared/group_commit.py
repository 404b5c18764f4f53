"""``GroupCommit``: concurrent writes to one key are written together, in one transaction.

While a batch for a key is being written, new submissions for that key queue up and are
written as the next batch, so N concurrent writers cost about as many transactions as there
are rounds, not N. Each submitter gets its own outcome: its result, or its own error.
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable, Hashable, Sequence
from typing import Generic, TypeVar

K = TypeVar("K", bound=Hashable)
I = TypeVar("I")  # noqa: E741 - an item
R = TypeVar("R")

BatchWriter = Callable[[K, Sequence[I]], Awaitable[Sequence[R | Exception]]]
"""Writes a batch of items of one key; returns each item's outcome, in order."""


class GroupCommit(Generic[K, I, R]):
    """Batches submissions per key for ``write``.

    Args:
        write: Writes one batch; raising fails every item of the batch with that error.
        linger: Seconds the first batch of a key waits for more items (and lets more urgent
            writes go first); 0 writes at once.
    """

    def __init__(self, write: BatchWriter[K, I, R], linger: float = 0.0) -> None:
        self._write = write
        self._linger = linger
        self._pending: dict[K, list[tuple[I, asyncio.Future[R]]]] = {}
        self._writers: dict[K, asyncio.Task[None]] = {}

    async def submit(self, key: K, item: I) -> R:
        """Write ``item`` with whatever else is submitted for ``key`` meanwhile.

        A submitter that gives up (is cancelled) does not stop the write of its batch.
        """
        future: asyncio.Future[R] = asyncio.get_running_loop().create_future()
        self._pending.setdefault(key, []).append((item, future))
        if key not in self._writers:
            self._writers[key] = asyncio.create_task(self._drain(key))
        return await future

    async def _drain(self, key: K) -> None:
        try:
            if self._linger:
                await asyncio.sleep(self._linger)
            while self._pending.get(key):
                batch = self._pending.pop(key)
                try:
                    outcomes: Sequence[R | Exception] = await self._write(
                        key, [item for item, _ in batch])
                except Exception as error:
                    outcomes = [error] * len(batch)
                for (_, future), outcome in zip(batch, outcomes, strict=True):
                    if future.done():
                        continue
                    if isinstance(outcome, Exception):
                        future.set_exception(outcome)
                    else:
                        future.set_result(outcome)
        finally:
            del self._writers[key]
