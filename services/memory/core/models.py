"""Domain models of the memory service."""

from __future__ import annotations

import dataclasses
import datetime as dt
import enum

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
