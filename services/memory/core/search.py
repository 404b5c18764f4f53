"""Semantic search over memories and the token-budgeted context an agent is given.

A search embeds the query, asks the vector index for candidates in the namespaces the caller
may read, reads their rows (only live, active memories pass, and the filter), ranks them by
each namespace's weights and picks the results, by score or by maximal marginal relevance.
The reads are recorded for the access statistics without holding the answer back.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import math
from collections.abc import Sequence
from typing import Protocol

from services.memory.core.access import Grant, Principals, caller, require
from services.memory.core.memories import Namespaces, namespace_of, readable_namespaces
from services.memory.core.models import Memory, MemoryState, Namespace, RankingWeights
from services.memory.core.ports import Embedded, Embedder, VectorIndex
from services.memory.core.ranking import Candidate, Ranked, choose, rank
from services.memory.core.vectors import finite, pack, unpack
from shared.errors import InvalidArgument
from shared.resources.entity import utc_now
from shared.resources.filters import MATCH_ALL, Filter

# Candidates asked of the vector index per result wanted, and at most.
OVERFETCH = 4
MAX_CANDIDATES = 1000
# Characters per token when a budget is estimated without the model's tokenizer.
CHARS_PER_TOKEN = 4


class Rows(Protocol):
    """The memories' rows, read by key."""

    async def get_many(self, tenant: str, ids: Sequence[str]) -> list[Memory]: ...


class Reads(Protocol):
    """Where the reads of memories are recorded (access counts, who read what)."""

    def record(self, memories: Sequence[Memory], principal: str) -> None: ...


@dataclasses.dataclass(frozen=True)
class SearchQuery:
    """What a search asks for; see SearchMemoriesRequest for each field."""

    tenant: str
    text: str
    top_k: int
    namespaces: Sequence[str] = ()
    namespaces_field: str = "namespaces"
    min_score: float = 0.0
    matching: Filter = MATCH_ALL
    diversity: float = 0.0
    per_namespace: int = 0
    agent: str = ""
    ranking: RankingWeights | None = None
    # The caller's embedding of ``text`` by the service's model; empty: embed ``text``.
    embedding: Sequence[float] = ()


@dataclasses.dataclass(frozen=True)
class Found:
    """One result: the memory, its blended score and its similarity to the query."""

    memory: Memory
    score: float
    similarity: float


class MemorySearch:
    """Searches memories by meaning.

    Args:
        rows: The memories' rows.
        namespaces: The namespaces and their grants.
        embedder: Embeds the query.
        index: The vector index.
        reads: Records what was read.
        embedding_model: The service's embedding model, whose vectors callers may send.
        dimensions: Its dimension.
    """

    def __init__(self, rows: Rows, namespaces: Namespaces, embedder: Embedder,
                 index: VectorIndex, reads: Reads, embedding_model: str,
                 dimensions: int) -> None:
        self._model = embedding_model
        self._dimensions = dimensions
        self._rows = rows
        self._namespaces = namespaces
        self._embedder = embedder
        self._index = index
        self._reads = reads

    async def search(self, query: SearchQuery) -> list[Found]:
        """The best ``top_k`` memories for the query, best first.

        Raises:
            InvalidArgument: A namespace it names does not exist.
            PermissionDenied: The caller may not read a namespace it names, or names an
                agent without being a service of the mesh.
        """
        principals = caller(query.agent)
        targets = await self._targets(query, principals)
        if not targets:
            return []
        embedded = await self._query_vector(query)
        limit = min(MAX_CANDIDATES, max(query.top_k * OVERFETCH, 20)
                    * (4 if query.matching.terms or query.per_namespace else 1))
        hits = await self._index.search(embedded.model, embedded.vectors[0], query.tenant,
                                        [n.id for n in targets], limit)
        similarity = {hit.memory_id: hit.similarity for hit in hits}
        now = utc_now()
        rows = await self._rows.get_many(query.tenant, list(similarity))
        candidates = [Candidate(m, similarity[m.id], unpack(m.vector)) for m in rows
                      if _live(m, now) and m.embedding_model == embedded.model
                      and query.matching.matches(m)]
        weights = {n.id: query.ranking or RankingWeights.of(n.ranking) for n in targets}
        ranked = [r for r in rank(candidates, weights, now) if r.score >= query.min_score]
        chosen = choose(ranked, query.top_k, query.diversity, query.per_namespace)
        self._reads.record([r.memory for r in chosen], ", ".join(sorted(principals.names)))
        return [_found(r) for r in chosen]

    async def context(self, query: SearchQuery, token_budget: int) -> tuple[list[Found], int]:
        """The best memories whose content fits ``token_budget`` tokens, and their tokens."""
        found = await self.search(dataclasses.replace(query, top_k=100))
        chosen: list[Found] = []
        used = 0
        for item in found:
            tokens = estimated_tokens(item.memory.content)
            if used + tokens > token_budget:
                continue
            chosen.append(item)
            used += tokens
        return chosen, used

    async def _query_vector(self, query: SearchQuery) -> Embedded:
        if not query.embedding:
            return await self._embedder.embed(query.tenant, [query.text])
        if not finite(pack(query.embedding)):
            raise InvalidArgument.for_field("query_embedding", "must hold finite numbers only")
        if len(query.embedding) != self._dimensions:
            raise InvalidArgument.for_field(
                "query_embedding", f"has {len(query.embedding)} dimensions; {self._model} has "
                f"{self._dimensions}", reason="EMBEDDING_DIMENSION_MISMATCH")
        return Embedded([list(query.embedding)], self._model)

    async def _targets(self, query: SearchQuery, principals: Principals) -> list[Namespace]:
        """The namespaces to search: those named, each readable, or every readable one."""
        if not query.namespaces:
            return await readable_namespaces(self._namespaces, query.tenant, principals)
        named = [await namespace_of(self._namespaces, query.tenant, namespace_id,
                                    f"{query.namespaces_field}[{i}]")
                 for i, namespace_id in enumerate(query.namespaces)]
        for namespace in named:
            require(namespace, principals, Grant.READ)
        return named


def estimated_tokens(text: str) -> int:
    """Tokens of ``text``, estimated from its length."""
    return max(1, math.ceil(len(text) / CHARS_PER_TOKEN))


def _live(memory: Memory, now: dt.datetime) -> bool:
    return (not memory.deleted and memory.state is MemoryState.ACTIVE
            and not memory.expired(now))


def _found(ranked: Ranked) -> Found:
    return Found(ranked.memory, ranked.score, ranked.similarity)
