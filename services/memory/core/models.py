"""Domain models of the memory service."""

from __future__ import annotations

import dataclasses
import datetime as dt
import enum
from collections.abc import Mapping
from typing import Any

from shared.resources.entity import Entity


class MemoryKind(enum.StrEnum):
    """What sort of thing a memory remembers."""

    EPISODIC = "EPISODIC"
    SEMANTIC = "SEMANTIC"
    PROCEDURAL = "PROCEDURAL"
    WORKING = "WORKING"


class MemoryState(enum.StrEnum):
    """Whether a memory is searched (ACTIVE) or kept cold (ARCHIVED)."""

    ACTIVE = "ACTIVE"
    ARCHIVED = "ARCHIVED"


class NamespaceKind(enum.StrEnum):
    """Whom a namespace is for."""

    TENANT = "TENANT"
    AGENT = "AGENT"
    GOAL = "GOAL"
    SHARED = "SHARED"


@dataclasses.dataclass(frozen=True, kw_only=True)
class Memory(Entity):
    """One remembered item of an agent, in a namespace (``agents.executor``).

    ``vector`` is the content's embedding (float32 bytes) by ``embedding_model``; the SQL row
    keeps it so the vector index can always be rebuilt from the row. ``indexed`` says whether
    the vector index already reflects the row (its vector present when the memory is active,
    absent otherwise): a row written with ``indexed`` false is the outbox entry that the index
    sync completes.
    """

    namespace: str
    content: str
    kind: MemoryKind = MemoryKind.EPISODIC
    importance: float = 0.0
    metadata: dict[str, str] = dataclasses.field(default_factory=dict)
    expire_time: dt.datetime | None = None
    tags: list[str] = dataclasses.field(default_factory=list)
    source_agent: str = ""
    source_goal: str = ""
    source_task: str = ""
    access_count: int = 0
    access_time: dt.datetime | None = None
    version: int = 1
    state: MemoryState = MemoryState.ACTIVE
    embedding_model: str = ""
    embedding_dimensions: int = 0
    vector: bytes = b""
    indexed: bool = False
    size_bytes: int = 0
    # Deleted, its vector not yet removed from the index; invisible to every read.
    deleted: bool = False
    # Ids of the memories merged or summarised into this one (the compress job's links).
    merged_from: list[str] = dataclasses.field(default_factory=list)
    # Id of the memory this one was merged or summarised into; empty when none.
    merged_into: str = ""

    def expired(self, now: dt.datetime) -> bool:
        """Whether the memory is forgotten at ``now``."""
        return self.expire_time is not None and self.expire_time <= now

    @property
    def searchable(self) -> bool:
        """Whether the memory belongs in the vector index."""
        return self.state is MemoryState.ACTIVE and bool(self.vector)


@dataclasses.dataclass(frozen=True)
class RankingWeights:
    """How a search blends similarity, recency, importance and access frequency."""

    similarity: float = 0.7
    recency: float = 0.1
    importance: float = 0.15
    frequency: float = 0.05
    recency_half_life: dt.timedelta = dt.timedelta(days=7)

    @property
    def total(self) -> float:
        return self.similarity + self.recency + self.importance + self.frequency

    @classmethod
    def of(cls, stored: dict[str, float]) -> RankingWeights:
        """The weights a namespace stores (empty: the defaults)."""
        if not stored:
            return DEFAULT_RANKING
        half_life = stored.get("recency_half_life_seconds", 0.0)
        return cls(similarity=stored.get("similarity", 0.0), recency=stored.get("recency", 0.0),
                   importance=stored.get("importance", 0.0),
                   frequency=stored.get("frequency", 0.0),
                   recency_half_life=(dt.timedelta(seconds=half_life) if half_life > 0
                                      else DEFAULT_RANKING.recency_half_life))

    def stored(self) -> dict[str, float]:
        """The weights as a namespace stores them."""
        return {"similarity": self.similarity, "recency": self.recency,
                "importance": self.importance, "frequency": self.frequency,
                "recency_half_life_seconds": self.recency_half_life.total_seconds()}


DEFAULT_RANKING = RankingWeights()


@dataclasses.dataclass(frozen=True, kw_only=True)
class Namespace(Entity):
    """A partition of a tenant's memories with its own grants, quotas and lifecycle policy.

    Grants name principals: a user (``tenants/t/users/u``), an agent type (``role:executor``)
    or everyone of the tenant (``*``). A namespace with no grants at all is open to the tenant.
    """

    display_name: str = ""
    readers: list[str] = dataclasses.field(default_factory=list)
    writers: list[str] = dataclasses.field(default_factory=list)
    admins: list[str] = dataclasses.field(default_factory=list)
    lifecycle_policy: str = ""
    kind: NamespaceKind = NamespaceKind.SHARED
    max_memories: int = 0
    max_bytes: int = 0
    # RankingWeights.stored(); empty means the defaults.
    ranking: dict[str, float] = dataclasses.field(default_factory=dict)


@dataclasses.dataclass(frozen=True)
class Usage:
    """What a namespace holds."""

    memories: int = 0
    bytes: int = 0


@dataclasses.dataclass(frozen=True, kw_only=True)
class LifecyclePolicy(Entity):
    """How long a namespace's memories are kept and how their importance fades.

    A duration of None and a number of 0 each mean "no rule": no ttl, no cap, no decay.
    ``decay`` is the fraction of importance lost per day without a read.
    """

    ttl: dt.timedelta | None = None
    max_memories: int = 0
    decay: float = 0.0
    min_importance: float = 0.0
    archive_after: dt.timedelta | None = None
    summarize_after: dt.timedelta | None = None
    merge_similarity: float = 0.0


class MemoryJobKind(enum.StrEnum):
    """What a lifecycle job does."""

    GC = "GC"
    COMPRESS = "COMPRESS"
    ARCHIVE_STALE = "ARCHIVE_STALE"
    REEMBED = "REEMBED"


class MemoryJobState(enum.StrEnum):
    """Where a lifecycle job is."""

    RUNNING = "RUNNING"
    SUCCEEDED = "SUCCEEDED"
    FAILED = "FAILED"


@dataclasses.dataclass(frozen=True)
class MemoryMerge:
    """A memory (kept or made) and the ids of the memories merged into it."""

    into: str
    merged: tuple[str, ...]


@dataclasses.dataclass(frozen=True)
class JobReport:
    """What a lifecycle job did (or, dry, would do); memories by id, in the order done."""

    examined: int = 0
    deleted: tuple[str, ...] = ()
    archived: tuple[str, ...] = ()
    created: tuple[str, ...] = ()
    merges: tuple[MemoryMerge, ...] = ()
    reembedded: int = 0

    def stored(self) -> dict[str, Any]:
        """The report as its job's row keeps it (JSON)."""
        return {"examined": self.examined, "deleted": list(self.deleted),
                "archived": list(self.archived), "created": list(self.created),
                "merges": [{"into": m.into, "from": list(m.merged)} for m in self.merges],
                "reembedded": self.reembedded}

    @classmethod
    def of(cls, stored: Mapping[str, Any]) -> JobReport:
        """The report a job's row keeps (see :meth:`stored`)."""
        def ids(key: str) -> tuple[str, ...]:
            return tuple(str(i) for i in stored.get(key, ()))

        return cls(examined=int(stored.get("examined", 0)), deleted=ids("deleted"),
                   archived=ids("archived"), created=ids("created"),
                   merges=tuple(MemoryMerge(str(m["into"]), tuple(str(i) for i in m["from"]))
                                for m in stored.get("merges", ())),
                   reembedded=int(stored.get("reembedded", 0)))


@dataclasses.dataclass(frozen=True, kw_only=True)
class MemoryJob(Entity):
    """One run of a lifecycle job over a tenant's memories (one namespace, or every
    namespace with a policy).

    ``as_of`` is the instant the job judges memories at, fixed when it starts, so a resumed
    job decides as its first run did. ``checkpoint`` is the job's own record of its progress
    (:mod:`services.memory.core.jobs`), opaque to storage.
    """

    kind: MemoryJobKind
    namespace: str = ""
    dry_run: bool = False
    scheduled: bool = False
    state: MemoryJobState = MemoryJobState.RUNNING
    report: JobReport = dataclasses.field(default_factory=JobReport)
    error: str = ""
    end_time: dt.datetime | None = None
    as_of: dt.datetime | None = None
    checkpoint: dict[str, Any] = dataclasses.field(default_factory=dict)
