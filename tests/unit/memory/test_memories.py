"""MemoryService against a real, migrated SQLite database."""

from __future__ import annotations

import dataclasses
import datetime as dt

import pytest

from services.memory.convert import MEMORY_FILTER
from services.memory.core.memories import MemoryService
from services.memory.core.models import Memory, MemoryKind
from services.memory.repository import memory_repository
from shared.database import DatabaseConnection, PageRequest, utc_now
from shared.errors import Aborted, AlreadyExists, InvalidArgument, NotFound


def make_memory(memory_id: str = "m1", tenant: str = "acme", **fields: object) -> Memory:
    values: dict[str, object] = {"namespace": "agents.executor", "content": "The user is Ada."}
    values.update(fields)
    return Memory(tenant=tenant, id=memory_id, **values)  # type: ignore[arg-type]


@pytest.fixture
def service(db: DatabaseConnection) -> MemoryService:
    return MemoryService(memory_repository(db))


async def test_create_round_trips_every_field(service: MemoryService) -> None:
    expire = utc_now() + dt.timedelta(days=1)
    created = await service.create(make_memory(
        kind=MemoryKind.SEMANTIC, importance=0.75, metadata={"source": "chat"},
        expire_time=expire))

    stored = await service.get("acme", "m1")

    assert stored == created
    assert (stored.kind, stored.importance, stored.metadata) == (
        MemoryKind.SEMANTIC, 0.75, {"source": "chat"})
    assert stored.expire_time == expire


async def test_create_refuses_a_past_expire_time_and_a_taken_id(service: MemoryService) -> None:
    with pytest.raises(InvalidArgument) as error:
        await service.create(make_memory(expire_time=utc_now() - dt.timedelta(seconds=1)))
    assert error.value.violations[0].field == "memory.expire_time"

    await service.create(make_memory())
    with pytest.raises(AlreadyExists):
        await service.create(make_memory())


async def test_expired_memories_are_not_found_nor_listed(service: MemoryService,
                                                         db: DatabaseConnection) -> None:
    await service.create(make_memory("live"))
    doomed = await service.create(make_memory("doomed"))
    await memory_repository(db).update(dataclasses.replace(
        doomed, expire_time=utc_now() - dt.timedelta(seconds=1)))

    with pytest.raises(NotFound):
        await service.get("acme", "doomed")
    with pytest.raises(NotFound):
        await service.update("acme", "doomed", {"content": "revived"})
    assert [m.id for m in (await service.list("acme", PageRequest())).items] == ["live"]


async def test_list_filters_by_namespace_and_pages(service: MemoryService) -> None:
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


async def test_update_changes_fields_and_checks_the_etag(service: MemoryService) -> None:
    created = await service.create(make_memory())

    with pytest.raises(InvalidArgument):
        await service.update("acme", "m1", {"expire_time": utc_now() - dt.timedelta(hours=1)})
    updated = await service.update("acme", "m1", {"content": "Ada likes tea.",
                                                  "expire_time": None}, created.etag)

    assert updated.content == "Ada likes tea."
    assert updated.namespace == created.namespace
    with pytest.raises(Aborted):
        await service.update("acme", "m1", {"importance": 1.0}, created.etag)


async def test_delete_then_get_is_not_found(service: MemoryService) -> None:
    await service.create(make_memory())

    await service.delete("acme", "m1")

    with pytest.raises(NotFound):
        await service.get("acme", "m1")
