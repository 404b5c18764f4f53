"""What the memory service's domain needs from outside: embeddings and the vector index."""

from __future__ import annotations

import dataclasses
from collections.abc import Sequence
from typing import Protocol

from services.memory.core.models import Memory


@dataclasses.dataclass(frozen=True)
class Embedded:
    """Embeddings of some texts, in their order, by ``model``."""

    vectors: list[list[float]]
    model: str


class Embedder(Protocol):
    """Turns texts into vectors (the AI runtime's Embed)."""

    async def embed(self, tenant: str, texts: Sequence[str]) -> Embedded: ...


@dataclasses.dataclass(frozen=True)
class Hit:
    """A memory the vector index found: its key and cosine similarity to the query."""

    tenant: str
    memory_id: str
    similarity: float


class VectorIndex(Protocol):
    """The vectors of the active memories, one collection per embedding model."""

    async def upsert(self, memories: Sequence[Memory]) -> None: ...

    async def remove(self, memories: Sequence[Memory]) -> None: ...

    async def search(self, model: str, vector: Sequence[float], tenant: str,
                     namespaces: Sequence[str], limit: int) -> list[Hit]: ...
