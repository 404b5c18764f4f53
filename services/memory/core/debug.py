"""What a debugger and the console ask of memory: one memory with its neighbours and reads,
how memories are read, and the reads per namespace and time bucket (the heatmap)."""

from __future__ import annotations

import dataclasses
import datetime as dt
from typing import Protocol

from services.memory.core.memories import MemoryService, Namespaces
from services.memory.core.models import Memory
from services.memory.core.ports import VectorIndex
from services.memory.core.search import Found, Rows
from services.memory.core.vectors import norm, unpack
from shared.errors import InvalidArgument
from shared.resources.entity import utc_now

MAX_BUCKETS = 1000
LATEST_READS = 100


@dataclasses.dataclass(frozen=True)
class Read:
    """One read of a memory."""

    tenant: str
    memory_id: str
    namespace: str
    principal: str
    time: dt.datetime


@dataclasses.dataclass(frozen=True)
class Counted:
    """A key (namespace, memory id or principal) and its reads."""

    key: str
    reads: int


@dataclasses.dataclass(frozen=True)
class AccessSummary:
    """How a tenant's memories were read over a window."""

    reads: int
    namespaces: list[Counted]
    memories: list[Counted]
    readers: list[Counted]
    unread_memories: int


@dataclasses.dataclass(frozen=True)
class Inspection:
    """A memory with its nearest neighbours, its vector's norm and its latest reads."""

    memory: Memory
    neighbours: list[Found]
    vector_norm: float
    reads: list[Read]


@dataclasses.dataclass(frozen=True)
class Heatmap:
    """Reads per namespace and bucket; ``buckets`` are the buckets' starts."""

    buckets: list[dt.datetime]
    rows: dict[str, list[int]]


class ReadHistory(Protocol):
    """The recorded reads of memories."""

    async def latest(self, tenant: str, memory_id: str, limit: int) -> list[Read]: ...
    async def between(self, tenant: str, start: dt.datetime, end: dt.datetime) -> list[Read]: ...
    async def counts(self, tenant: str, since: dt.datetime, by: str, top: int
                     ) -> list[Counted]: ...
    async def unread(self, tenant: str, since: dt.datetime) -> int: ...


class MemoryDebug:
    """Inspection, access statistics and heatmaps over memories and their reads.

    Args:
        memories: The memories (reads checked against the caller's grants).
        rows: The memories' rows.
        namespaces: The namespaces.
        index: The vector index.
        history: The recorded reads.
    """

    def __init__(self, memories: MemoryService, rows: Rows, namespaces: Namespaces,
                 index: VectorIndex, history: ReadHistory) -> None:
        self._memories = memories
        self._rows = rows
        self._namespaces = namespaces
        self._index = index
        self._history = history

    async def inspect(self, tenant: str, memory_id: str, neighbours: int = 5) -> Inspection:
        """``memory_id`` with its ``neighbours`` closest memories of its namespace.

        Raises:
            NotFound: No such live memory.
            PermissionDenied: The caller may not read its namespace.
        """
        memory = await self._memories.get(tenant, memory_id)
        found: list[Found] = []
        if memory.vector and neighbours:
            vector = unpack(memory.vector)
            hits = await self._index.search(memory.embedding_model, vector.tolist(), tenant,
                                             [memory.namespace], neighbours + 1)
            similarity = {h.memory_id: h.similarity for h in hits if h.memory_id != memory.id}
            rows = {m.id: m for m in await self._rows.get_many(tenant, list(similarity))
                    if not m.deleted}
            found = [Found(rows[i], s, s) for i, s in similarity.items() if i in rows]
            found = sorted(found, key=lambda f: f.similarity, reverse=True)[:neighbours]
        reads = await self._history.latest(tenant, memory_id, LATEST_READS)
        return Inspection(memory, found, norm(memory.vector) if memory.vector else 0.0, reads)

    async def summary(self, tenant: str, window: dt.timedelta, top: int) -> AccessSummary:
        """Reads of ``tenant``'s memories over the last ``window``, with the ``top`` most read
        namespaces, memories and readers."""
        since = utc_now() - window
        namespaces = await self._history.counts(tenant, since, "namespace", 1000)
        return AccessSummary(
            reads=sum(c.reads for c in namespaces), namespaces=namespaces[:top],
            memories=await self._history.counts(tenant, since, "memory", top),
            readers=await self._history.counts(tenant, since, "principal", top),
            unread_memories=await self._history.unread(tenant, since))

    async def heatmap(self, tenant: str, start: dt.datetime, end: dt.datetime,
                      bucket: dt.timedelta) -> Heatmap:
        """Reads per namespace in each ``bucket`` from ``start`` to ``end``.

        Raises:
            InvalidArgument: The window is empty or needs more than 1,000 buckets.
        """
        if end <= start:
            raise InvalidArgument.for_field("start_time", "must be before end_time")
        count = -(-(end - start) // bucket)
        if count > MAX_BUCKETS:
            raise InvalidArgument.for_field(
                "bucket", f"makes {count} buckets of the window; at most {MAX_BUCKETS}")
        rows: dict[str, list[int]] = {}
        for read in await self._history.between(tenant, start, end):
            readable = rows.setdefault(read.namespace, [0] * count)
            readable[min(count - 1, (read.time - start) // bucket)] += 1
        return Heatmap([start + i * bucket for i in range(count)], dict(sorted(rows.items())))

