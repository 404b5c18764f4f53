"""A namespace's quota: most memories and most bytes of content it holds."""

from __future__ import annotations

import dataclasses

from services.memory.core.models import Namespace, Usage
from shared.errors import ResourceExhausted


@dataclasses.dataclass(frozen=True)
class Quota:
    """Limits of one namespace; 0 means no limit."""

    namespace: str
    max_memories: int = 0
    max_bytes: int = 0

    @classmethod
    def of(cls, namespace: Namespace) -> Quota:
        return cls(namespace.id, namespace.max_memories, namespace.max_bytes)

    @property
    def limited(self) -> bool:
        return self.max_memories > 0 or self.max_bytes > 0

    def check(self, usage: Usage, memories: int, size: int) -> None:
        """Raise unless ``memories`` more memories of ``size`` bytes fit beside ``usage``.

        Raises:
            ResourceExhausted: They do not.
        """
        if self.max_memories and usage.memories + memories > self.max_memories:
            raise ResourceExhausted(
                f"namespace {self.namespace!r} holds {usage.memories} of its "
                f"{self.max_memories} memories; {memories} more do not fit",
                reason="NAMESPACE_QUOTA_EXCEEDED",
                metadata={"namespace": self.namespace, "limit": "max_memories"})
        if self.max_bytes and usage.bytes + size > self.max_bytes:
            raise ResourceExhausted(
                f"namespace {self.namespace!r} holds {usage.bytes} of its {self.max_bytes} "
                f"bytes; {size} more do not fit",
                reason="NAMESPACE_QUOTA_EXCEEDED",
                metadata={"namespace": self.namespace, "limit": "max_bytes"})
