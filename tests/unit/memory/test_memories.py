"""MemoryService against a real, migrated SQLite database and a milvus-lite index."""

from __future__ import annotations

import dataclasses
import datetime as dt

import pytest

from services.memory.convert import MEMORY_FILTER
from services.memory.core.models import Memory, MemoryKind, MemoryState
from services.memory.core.vectors import pack
from shared.database import PageRequest, utc_now
from shared.errors import (
    Aborted,
    AlreadyExists,
    FailedPrecondition,
    InvalidArgument,
    NotFound,
    ResourceExhausted,
)
from tests.unit.memory.conftest import WORDS_DIMENSIONS, WORDS_MODEL, Memories


def make_memory(memory_id: str = "m1", tenant: str = "acme", **fields: object) -> Memory:
    values: dict[str, object] = {"namespace": "agents.executor", "content": "The user is Ada."}
    values.update(fields)
    return Memory(tenant=tenant, id=memory_id, **values)  # type: ignore[arg-type]


@pytest.fixture
async def parts_with_namespaces(parts: Memories) -> Memories:
    for namespace_id in ("agents.executor", "agents.planner"):
        await parts.namespace(namespace_id)
    await parts.namespace("agents.executor", tenant="other")
    return parts


async def test_create_round_trips_every_field_and_indexes_the_vector(
        parts_with_namespaces: Memories) -> None:
    service = parts_with_namespaces.memories
    expire = utc_now() + dt.timedelta(days=1)
    created = await service.create(make_memory(
        kind=MemoryKind.SEMANTIC, importance=0.75, metadata={"source": "chat"},
        expire_time=expire, tags=["billing"], source_agent="executor",
        source_goal="tenants/acme/goals/g1"))

    stored = await service.get("acme", "m1")

    assert dataclasses.replace(stored, indexed=False) == created
    assert stored.indexed
    assert (stored.kind, stored.importance, stored.metadata, stored.tags) == (
        MemoryKind.SEMANTIC, 0.75, {"source": "chat"}, ["billing"])
    assert (stored.version, stored.state, stored.embedding_model,
            stored.embedding_dimensions) == (1, MemoryState.ACTIVE, WORDS_MODEL,
                                             WORDS_DIMENSIONS)
    assert stored.expire_time == expire
    assert await parts_with_namespaces.index.keys(WORDS_MODEL, WORDS_DIMENSIONS) == {"acme/m1"}


async def test_bad_input_is_refused_and_nothing_is_written(
        parts_with_namespaces: Memories) -> None:
    service = parts_with_namespaces.memories
    cases = [
        ("memory.expire_time", make_memory(expire_time=utc_now() - dt.timedelta(seconds=1))),
        ("memory.content", make_memory(content="  \n ")),
        ("memory.namespace", make_memory(namespace="nowhere")),
        ("memory.embedding", make_memory(vector=pack([0.5] * (WORDS_DIMENSIONS + 1)))),
        ("memory.embedding", make_memory(vector=pack([float("nan")] * WORDS_DIMENSIONS))),
    ]
    for field, memory in cases:
        with pytest.raises(InvalidArgument) as error:
            await service.create(memory)
        assert error.value.violations[0].field == field

    assert (await service.list("acme", PageRequest())).items == []
    assert await parts_with_namespaces.index.keys(WORDS_MODEL, WORDS_DIMENSIONS) == set()


async def test_a_callers_embedding_is_stored_without_calling_the_embedder(
        parts_with_namespaces: Memories) -> None:
    vector = [1.0] + [0.0] * (WORDS_DIMENSIONS - 1)
    created = await parts_with_namespaces.memories.create(make_memory(vector=pack(vector)))

    assert parts_with_namespaces.embedder.calls == 0
    assert created.embedding_model == WORDS_MODEL


async def test_a_taken_id_is_already_exists(parts_with_namespaces: Memories) -> None:
    await parts_with_namespaces.memories.create(make_memory())
    with pytest.raises(AlreadyExists):
        await parts_with_namespaces.memories.create(make_memory())


async def test_a_batch_is_stored_all_or_none(parts_with_namespaces: Memories) -> None:
    service = parts_with_namespaces.memories
    with pytest.raises(InvalidArgument) as error:
        await service.create_many([make_memory("b1"), make_memory("b2", content="")])
    assert error.value.violations[0].field == "requests[1].memory.content"

    stored = await service.create_many([make_memory(f"b{i}") for i in range(5)])

    assert [m.id for m in stored] == [f"b{i}" for i in range(5)]
    assert len(await parts_with_namespaces.index.keys(WORDS_MODEL, WORDS_DIMENSIONS)) == 5


async def test_quotas_refuse_what_does_not_fit(parts: Memories) -> None:
    await parts.namespace("small", max_memories=2)
    await parts.namespace("tiny", max_bytes=20)
    await parts.memories.create(make_memory("s1", namespace="small"))
    await parts.memories.create(make_memory("s2", namespace="small"))

    with pytest.raises(ResourceExhausted) as full:
        await parts.memories.create(make_memory("s3", namespace="small"))
    with pytest.raises(ResourceExhausted) as too_big:
        await parts.memories.create(make_memory("t1", namespace="tiny", content="x" * 21))

    assert full.value.metadata == {"namespace": "small", "limit": "max_memories"}
    assert too_big.value.metadata == {"namespace": "tiny", "limit": "max_bytes"}
    await parts.memories.delete("acme", "s1")
    await parts.memories.create(make_memory("s3", namespace="small"))


async def test_expired_memories_are_not_found_nor_listed(parts_with_namespaces: Memories
                                                         ) -> None:
    service = parts_with_namespaces.memories
    await service.create(make_memory("live"))
    doomed = await service.create(make_memory("doomed"))
    await parts_with_namespaces.rows.update(dataclasses.replace(
        doomed, expire_time=utc_now() - dt.timedelta(seconds=1)))

    with pytest.raises(NotFound):
        await service.get("acme", "doomed")
    with pytest.raises(NotFound):
        await service.update("acme", "doomed", {"content": "revived"})
    assert [m.id for m in (await service.list("acme", PageRequest())).items] == ["live"]


async def test_list_filters_by_namespace_and_pages(parts_with_namespaces: Memories) -> None:
    service = parts_with_namespaces.memories
    for memory_id in ("m1", "m2", "m3"):
        await service.create(make_memory(memory_id))
    await service.create(make_memory("p1", namespace="agents.planner"))
    await service.create(make_memory("o1", tenant="other"))

    executor = MEMORY_FILTER.parse('namespace = "agents.executor"', "acme")
    first = await service.list("acme", PageRequest(size=2), executor)
    rest = await service.list("acme", PageRequest.of(2, first.next_page_token), executor)
    planner = await service.list("acme", PageRequest(),
                                 MEMORY_FILTER.parse('namespace = "agents.planner"', "acme"))

    assert [m.id for m in first.items] == ["m3", "m2"]
    assert [m.id for m in rest.items] == ["m1"]
    assert rest.next_page_token == ""
    assert [m.id for m in planner.items] == ["p1"]


async def test_update_re_embeds_new_content_and_checks_the_etag(
        parts_with_namespaces: Memories) -> None:
    service = parts_with_namespaces.memories
    created = await service.create(make_memory())

    with pytest.raises(InvalidArgument):
        await service.update("acme", "m1", {"expire_time": utc_now() - dt.timedelta(hours=1)})
    updated = await service.update("acme", "m1", {"content": "Ada likes tea.",
                                                  "expire_time": None}, created.etag)

    assert updated.content == "Ada likes tea."
    assert updated.version == 2
    assert updated.vector != created.vector
    assert updated.namespace == created.namespace
    with pytest.raises(Aborted):
        await service.update("acme", "m1", {"importance": 1.0}, created.etag)


async def test_delete_removes_the_row_and_the_vector(parts_with_namespaces: Memories) -> None:
    await parts_with_namespaces.memories.create(make_memory())

    await parts_with_namespaces.memories.delete("acme", "m1")

    with pytest.raises(NotFound):
        await parts_with_namespaces.memories.get("acme", "m1")
    with pytest.raises(NotFound):
        await parts_with_namespaces.rows.get("acme", "m1")
    assert await parts_with_namespaces.index.keys(WORDS_MODEL, WORDS_DIMENSIONS) == set()


async def test_archive_and_restore_round_trip(parts_with_namespaces: Memories) -> None:
    service = parts_with_namespaces.memories
    created = await service.create(make_memory())

    archived = await service.archive("acme", "m1")
    assert archived.state is MemoryState.ARCHIVED
    assert await parts_with_namespaces.index.keys(WORDS_MODEL, WORDS_DIMENSIONS) == set()
    assert (await service.get("acme", "m1")).content == created.content
    with pytest.raises(FailedPrecondition):
        await service.archive("acme", "m1")

    restored = await service.restore("acme", "m1")

    assert restored.state is MemoryState.ACTIVE
    assert restored.version == 3
    assert await parts_with_namespaces.index.keys(WORDS_MODEL, WORDS_DIMENSIONS) == {"acme/m1"}
    with pytest.raises(FailedPrecondition):
        await service.restore("acme", "m1")


async def test_the_default_namespace_needs_no_set_up(parts: Memories) -> None:
    created = await parts.memories.create(make_memory(namespace="default"))

    namespace = await parts.namespaces.get("acme", "default")
    assert created.namespace == "default"
    assert (namespace.readers, namespace.writers, namespace.admins) == ([], [], [])
