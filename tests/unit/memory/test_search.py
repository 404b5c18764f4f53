"""Search, context retrieval, grants and the index sync on a real database and milvus-lite."""

from __future__ import annotations

import dataclasses
import datetime as dt

import pytest

from services.memory.convert import SEARCH_FILTER
from services.memory.core.index_sync import IndexSync
from services.memory.core.models import Memory, RankingWeights
from services.memory.core.search import SearchQuery
from shared import context
from shared.errors import InvalidArgument, NotFound, PermissionDenied
from shared.resources.entity import utc_now
from tests.unit.memory.conftest import WORDS_DIMENSIONS, WORDS_MODEL, Memories, compose

FACTS = {
    "tea": "Ada drinks green tea every morning",
    "coffee": "Bob drinks black coffee every morning",
    "python": "The build scripts are written in Python",
    "rust": "The storage engine is written in Rust",
    "paris": "The team offsite is in Paris in June",
}


async def _stored(parts: Memories, namespace: str = "facts", **fields: object) -> None:
    await parts.memories.create_many([
        Memory(tenant="acme", id=key, namespace=namespace, content=text,
               **fields)  # type: ignore[arg-type]
        for key, text in FACTS.items()])


def _query(text: str, **fields: object) -> SearchQuery:
    return SearchQuery(tenant="acme", text=text, **fields)  # type: ignore[arg-type]


async def test_search_finds_by_meaning_best_first(parts: Memories) -> None:
    await parts.namespace("facts")
    await _stored(parts)

    found = await parts.search.search(_query("who drinks tea every morning", top_k=2))

    assert [f.memory.id for f in found] == ["tea", "coffee"]
    assert found[0].similarity > found[1].similarity > 0
    assert 0 < found[0].score <= 1


async def test_filters_min_score_and_top_k_per_namespace(parts: Memories) -> None:
    await parts.namespace("facts")
    await parts.namespace("more")
    await _stored(parts, tags=["lang"])
    await parts.memories.create(Memory(tenant="acme", id="m-tea", namespace="more",
                                       content="Ada drinks tea", tags=["drink"]))

    tagged = await parts.search.search(_query(
        "tea", top_k=5, matching=SEARCH_FILTER.parse('tags:"drink"', "acme")))
    one_each = await parts.search.search(_query("Ada drinks tea", top_k=5,
                                                per_namespace=1))
    strict = await parts.search.search(_query("Ada drinks tea", top_k=5, min_score=0.6))

    assert [f.memory.id for f in tagged] == ["m-tea"]
    assert sorted(f.memory.namespace for f in one_each) == ["facts", "more"]
    assert strict and all(f.score >= 0.6 for f in strict)
    with pytest.raises(InvalidArgument) as error:
        SEARCH_FILTER.parse("colour = 1", "acme")
    assert error.value.violations[0].field == "filter"


async def test_ranking_weighs_importance_as_the_namespace_says(parts: Memories) -> None:
    await parts.namespace("plain")
    await parts.namespace("weighty", ranking=RankingWeights(
        similarity=0.2, recency=0.0, importance=0.8, frequency=0.0).stored())
    for namespace in ("plain", "weighty"):
        await parts.memories.create_many([
            Memory(tenant="acme", id=f"{namespace}-close", namespace=namespace,
                   content="Ada drinks green tea", importance=0.0),
            Memory(tenant="acme", id=f"{namespace}-key", namespace=namespace,
                   content="Ada signs the contract", importance=1.0)])

    plain = await parts.search.search(_query("Ada drinks green tea", top_k=1,
                                             namespaces=["plain"]))
    weighty = await parts.search.search(_query("Ada drinks green tea", top_k=1,
                                               namespaces=["weighty"]))

    assert plain[0].memory.id == "plain-close"
    assert weighty[0].memory.id == "weighty-key"


async def test_maximal_marginal_relevance_skips_repeats(parts: Memories) -> None:
    await parts.namespace("facts")
    await parts.memories.create_many([
        Memory(tenant="acme", id="a", namespace="facts", content="Ada drinks green tea"),
        Memory(tenant="acme", id="b", namespace="facts", content="Ada drinks green tea daily"),
        Memory(tenant="acme", id="c", namespace="facts", content="Ada likes tea in Paris")])

    by_score = await parts.search.search(_query("Ada drinks green tea", top_k=2))
    diverse = await parts.search.search(_query("Ada drinks green tea", top_k=2,
                                               diversity=0.7))

    assert [f.memory.id for f in by_score] == ["a", "b"]
    assert [f.memory.id for f in diverse] == ["a", "c"]


async def test_archived_and_expired_memories_are_not_found(parts: Memories) -> None:
    await parts.namespace("facts")
    await _stored(parts)
    await parts.memories.archive("acme", "tea")
    coffee = await parts.rows.get("acme", "coffee")
    await parts.rows.update(dataclasses.replace(
        coffee, expire_time=utc_now() - dt.timedelta(seconds=1)))

    found = await parts.search.search(_query("who drinks in the morning", top_k=5))

    assert {"tea", "coffee"}.isdisjoint(f.memory.id for f in found)


async def test_context_fills_the_token_budget_and_reads_are_counted(parts: Memories) -> None:
    await parts.namespace("facts")
    await _stored(parts)

    found, tokens = await parts.search.context(_query("Ada drinks tea", top_k=1), 20)
    await parts.reads.flush()

    assert 0 < tokens <= 20
    assert found[0].memory.id == "tea"
    tea = await parts.rows.get("acme", "tea")
    assert tea.access_count == 1 and tea.access_time is not None


async def test_grants_decide_who_reads_and_writes(parts: Memories) -> None:
    await parts.namespace("private", readers=["tenants/acme/users/ada"],
                          writers=["role:executor"])
    await parts.namespace("open")
    await _stored(parts, namespace="private")
    ada = context.CallContext(tenant="acme", subject="tenants/acme/users/ada")
    eve = context.CallContext(tenant="acme", subject="tenants/acme/users/eve")
    executor = context.CallContext(tenant="acme", subject="services/agent-orchestrator")
    query = _query("tea", top_k=5, namespaces=["private"])

    with context.bind(ada):
        assert await parts.search.search(query)
        with pytest.raises(PermissionDenied):  # a reader, not a writer
            await parts.memories.create(Memory(tenant="acme", id="x", namespace="private",
                                               content="more"))
    with context.bind(eve):
        with pytest.raises(PermissionDenied):
            await parts.search.search(query)
        with pytest.raises(PermissionDenied):
            await parts.memories.get("acme", "tea")
        assert await parts.search.search(_query("tea", top_k=5)) == []  # only what it may read
        with pytest.raises(PermissionDenied):  # a user cannot pose as an agent
            await parts.search.search(dataclasses.replace(query, agent="executor"))
    with context.bind(executor):
        assert await parts.search.search(dataclasses.replace(query, agent="executor"))
        with pytest.raises(PermissionDenied):
            await parts.search.search(dataclasses.replace(query, agent="planner"))
        await parts.memories.create(Memory(tenant="acme", id="x", namespace="private",
                                           content="more", source_agent="executor"))


async def test_another_tenants_memories_and_namespaces_are_not_found(parts: Memories) -> None:
    await parts.namespace("facts", tenant="other")
    await parts.memories.create(Memory(tenant="other", id="secret", namespace="facts",
                                       content="Ada drinks tea"))

    with context.bind(context.CallContext(tenant="acme", subject="tenants/acme/users/ada")):
        with pytest.raises(NotFound):
            await parts.memories.get("other", "secret")
        with pytest.raises(NotFound):
            await parts.namespaces.get("other", "facts")
        with pytest.raises(InvalidArgument) as error:
            await parts.search.search(_query("tea", top_k=5, namespaces=["facts"]))
    assert error.value.violations[0].field == "namespaces[0]"


class _FailingIndex:
    """The vector index of a process that dies between the row's commit and the vector."""

    def __init__(self, real: object) -> None:
        self._real = real

    async def upsert(self, memories: object) -> None:
        raise ConnectionError("the process died here")

    async def remove(self, memories: object) -> None:
        raise ConnectionError("the process died here")

    def __getattr__(self, name: str) -> object:
        return getattr(self._real, name)


async def test_a_crash_between_the_row_and_the_vector_is_repaired_at_start(
        parts: Memories) -> None:
    await parts.namespace("facts")
    crashing = dataclasses.replace(parts, sync=IndexSync(parts.rows,
                                                         _FailingIndex(parts.index)))  # type: ignore[arg-type]
    crashing = compose_with_sync(crashing)
    await crashing.memories.create(Memory(tenant="acme", id="kept", namespace="facts",
                                          content="Ada drinks tea"))
    await parts.memories.create(Memory(tenant="acme", id="gone", namespace="facts",
                                       content="Bob drinks coffee"))
    await crashing.memories.delete("acme", "gone")

    assert await parts.index.keys(WORDS_MODEL, WORDS_DIMENSIONS) == {"acme/gone"}
    assert [m.id for m in await parts.rows.pending(10)] == ["kept", "gone"]

    restarted = compose(parts.db, parts.index)
    assert await restarted.sync.catch_up() == 2

    assert await parts.index.keys(WORDS_MODEL, WORDS_DIMENSIONS) == {"acme/kept"}
    assert await parts.rows.pending(10) == []
    with pytest.raises(NotFound):
        await parts.rows.get("acme", "gone")
    found = await restarted.search.search(_query("who drinks tea", top_k=5))
    assert [f.memory.id for f in found] == ["kept"]


def compose_with_sync(parts: Memories) -> Memories:
    """``parts`` whose memory service writes through ``parts.sync``."""
    from services.memory.core.memories import MemoryService

    return dataclasses.replace(parts, memories=MemoryService(
        parts.rows, parts.namespace_rows, parts.embedder, parts.sync, WORDS_MODEL,
        WORDS_DIMENSIONS))
