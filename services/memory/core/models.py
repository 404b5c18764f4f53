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


@dataclasses.dataclass(frozen=True, kw_only=True)
class Memory(Entity):
    """One remembered item of an agent, in a namespace (``agents.executor``)."""

    namespace: str
    content: str
    kind: MemoryKind = MemoryKind.EPISODIC
    importance: float = 0.0
    metadata: dict[str, str] = dataclasses.field(default_factory=dict)
    expire_time: dt.datetime | None = None

    def expired(self, now: dt.datetime) -> bool:
        """Whether the memory is forgotten at ``now``."""
        return self.expire_time is not None and self.expire_time <= now


@dataclasses.dataclass(frozen=True, kw_only=True)
class Namespace(Entity):
    """A partition of a tenant's memories with its own access lists and lifecycle policy."""

    display_name: str = ""
    readers: list[str] = dataclasses.field(default_factory=list)
    writers: list[str] = dataclasses.field(default_factory=list)
    lifecycle_policy: str = ""
