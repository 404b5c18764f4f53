"""Repository[T] against SQLite and a real PostgreSQL: CRUD, tenancy, paging, etags."""

from __future__ import annotations

import asyncio
import dataclasses
import datetime as dt
import enum
import pathlib
from collections.abc import AsyncIterator

import pytest
import sqlalchemy as sa

from shared import context
from shared.database import (
    DatabaseConnection,
    Entity,
    PageRequest,
    Repository,
    entity_columns,
    enum_column,
)
from shared.errors import Aborted, AlreadyExists, InvalidArgument, NotFound


class Colour(enum.StrEnum):
    RED = "RED"
    BLUE = "BLUE"


@dataclasses.dataclass(frozen=True, kw_only=True)
class Widget(Entity):
    label: str
    colour: Colour = Colour.RED
    tags: list[str] = dataclasses.field(default_factory=list)


metadata = sa.MetaData()
widgets = sa.Table("widgets", metadata, *entity_columns(),
                   sa.Column("label", sa.Text, nullable=False),
                   sa.Column("colour", enum_column(Colour), nullable=False),
                   sa.Column("tags", sa.JSON, nullable=False))


@pytest.fixture(params=["sqlite", "postgresql"])
def database_url(request: pytest.FixtureRequest, tmp_path: pathlib.Path) -> tuple[str, str]:
    """(URL, schema) of the backend under test."""
    if request.param == "sqlite":
        return f"sqlite+aiosqlite:///{tmp_path}/widgets.db", ""
    return request.getfixturevalue("postgres_url"), request.getfixturevalue("postgres_schema")


@pytest.fixture
async def repo(database_url: tuple[str, str]) -> AsyncIterator[Repository[Widget]]:
    url, schema = database_url
    db = DatabaseConnection(url, schema=schema or None)
    await db.ensure_schema()
    async with db.transaction() as conn:
        await conn.run_sync(metadata.create_all)
    yield Repository(db, widgets, Widget, "widget")
    await db.dispose()


async def test_create_get_round_trip_keeps_types(repo: Repository[Widget]) -> None:
    created = await repo.create(Widget(tenant="a", id="w1", label="one", colour=Colour.BLUE,
                                       tags=["x", "y"]))
    fetched = await repo.get("a", "w1")
    assert fetched == created
    assert fetched.colour is Colour.BLUE
    assert fetched.create_time.tzinfo is not None
    assert created.etag


async def test_other_tenants_rows_are_not_found(repo: Repository[Widget]) -> None:
    await repo.create(Widget(tenant="a", id="w1", label="one"))
    with pytest.raises(NotFound):
        await repo.get("b", "w1")
    with pytest.raises(NotFound):
        await repo.delete("b", "w1")
    with pytest.raises(NotFound):
        await repo.update(Widget(tenant="b", id="w1", label="stolen"))
    assert (await repo.list("b", PageRequest())).items == []
    assert await repo.count("b") == 0
    assert (await repo.get("a", "w1")).label == "one"


async def test_the_callers_tenant_is_enforced_even_if_a_handler_forgets(
        repo: Repository[Widget]) -> None:
    await repo.create(Widget(tenant="a", id="w1", label="one"))
    with context.bind(context.CallContext(tenant="b")):
        for attempt in (repo.get("a", "w1"), repo.list("a", PageRequest()), repo.count("a"),
                        repo.delete("a", "w1"),
                        repo.update(Widget(tenant="a", id="w1", label="stolen")),
                        repo.create(Widget(tenant="a", id="w2", label="planted"))):
            with pytest.raises(NotFound):
                await attempt
    with context.bind(context.CallContext(tenant="a")):
        assert (await repo.get("a", "w1")).label == "one"
        assert await repo.count("a") == 1


async def test_duplicate_id_is_already_exists(repo: Repository[Widget]) -> None:
    await repo.create(Widget(tenant="a", id="w1", label="one"))
    with pytest.raises(AlreadyExists):
        await repo.create(Widget(tenant="a", id="w1", label="again"))
    await repo.create(Widget(tenant="b", id="w1", label="same id, other tenant"))


async def test_update_checks_etag(repo: Repository[Widget]) -> None:
    created = await repo.create(Widget(tenant="a", id="w1", label="one"))
    updated = await repo.update(dataclasses.replace(created, label="two"), created.etag)
    assert updated.label == "two" and updated.etag != created.etag
    assert updated.update_time >= created.update_time
    with pytest.raises(Aborted):
        await repo.update(dataclasses.replace(created, label="three"), created.etag)
    assert (await repo.get("a", "w1")).label == "two"


async def test_pages_cover_everything_once_newest_first(repo: Repository[Widget]) -> None:
    base = dt.datetime(2026, 1, 1, tzinfo=dt.UTC)
    for i in range(7):
        # Two share a create_time to exercise the id tie-break.
        when = base + dt.timedelta(seconds=i if i != 6 else 5)
        await repo.create(Widget(tenant="a", id=f"w{i}", label=str(i), create_time=when))
    seen: list[str] = []
    token = ""
    while True:
        page = await repo.list("a", PageRequest.of(3, token))
        seen += [w.id for w in page.items]
        token = page.next_page_token
        if not token:
            break
    assert sorted(seen) == [f"w{i}" for i in range(7)]
    assert len(seen) == len(set(seen))
    assert seen[0] in ("w5", "w6")


async def test_delete_removes(repo: Repository[Widget]) -> None:
    await repo.create(Widget(tenant="a", id="w1", label="one"))
    await repo.delete("a", "w1")
    with pytest.raises(NotFound):
        await repo.get("a", "w1")


def test_bad_page_token_and_size_are_invalid_argument() -> None:
    with pytest.raises(InvalidArgument) as bad_token:
        PageRequest.of(10, "not-a-token")
    assert bad_token.value.violations[0].field == "page_token"
    with pytest.raises(InvalidArgument) as negative:
        PageRequest.of(-1, "")
    assert negative.value.violations[0].field == "page_size"
    assert PageRequest.of(0, "").size == 50
    assert PageRequest.of(5000, "").size == 1000


async def test_lock_in_reads_the_row_and_holds_writers_off_until_the_transaction_ends(
        repo: Repository[Widget]) -> None:
    created = await repo.create(Widget(tenant="a", id="w1", label="one", tags=["x"]))
    async with repo.db.transaction() as conn:
        assert await repo.lock_in(conn, "a", "w1") == created
        with pytest.raises(NotFound):
            await repo.lock_in(conn, "a", "missing")
        writer = asyncio.create_task(repo.update(dataclasses.replace(created, label="two")))
        await asyncio.sleep(0.2)
        assert not writer.done()  # waits for the lock
    assert (await writer).label == "two"


async def test_create_in_rolls_back_with_the_callers_transaction(
        repo: Repository[Widget]) -> None:
    with pytest.raises(RuntimeError):
        async with repo.db.transaction() as conn:
            await repo.create_in(conn, Widget(tenant="a", id="w1", label="one"))
            raise RuntimeError("the rest of the transaction failed")
    with pytest.raises(NotFound):
        await repo.get("a", "w1")
