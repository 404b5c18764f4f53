"""A read by key on SQLite's read connection gives what SQLAlchemy's own read gives, for every
column type the services store, and sees every committed write at once."""

from __future__ import annotations

import dataclasses
import datetime as dt
import pathlib
from collections.abc import AsyncIterator
from typing import Any

import pytest
import sqlalchemy as sa

from shared.database import (
    DatabaseConnection,
    Repository,
    UtcDateTime,
    entity_columns,
    enum_column,
)
from shared.database.fast_reads import ReadConnection, WouldWait
from shared.errors import NotFound
from shared.resources.entity import Entity
from tests.unit.shared.test_repository import Colour


@dataclasses.dataclass(frozen=True, kw_only=True)
class Thing(Entity):
    colour: Colour = Colour.RED
    labels: dict[str, str] = dataclasses.field(default_factory=dict)
    tags: list[str] = dataclasses.field(default_factory=list)
    timeout: dt.timedelta | None = None
    due: dt.datetime | None = None
    count: int = 0
    ratio: float = 0.0
    done: bool = False
    note: str | None = None


metadata = sa.MetaData()
things = sa.Table("things", metadata, *entity_columns(),
                  sa.Column("colour", enum_column(Colour), nullable=False),
                  sa.Column("labels", sa.JSON, nullable=False),
                  sa.Column("tags", sa.JSON, nullable=False),
                  sa.Column("timeout", sa.Interval, nullable=True),
                  sa.Column("due", UtcDateTime(), nullable=True),
                  sa.Column("count", sa.Integer, nullable=False),
                  sa.Column("ratio", sa.Float, nullable=False),
                  sa.Column("done", sa.Boolean, nullable=False),
                  sa.Column("note", sa.Text, nullable=True))


@pytest.fixture
async def db(tmp_path: pathlib.Path) -> AsyncIterator[DatabaseConnection]:
    database = DatabaseConnection(f"sqlite+aiosqlite:///{tmp_path}/things.db")
    async with database.transaction() as conn:
        await conn.run_sync(metadata.create_all)
    yield database
    await database.dispose()


async def slow_get(repository: Repository[Thing], tenant: str, id_: str) -> Thing:
    row = await repository.db.read(lambda conn: conn.execute(
        sa.select(things).where(things.c.tenant == tenant, things.c.id == id_)
    ).mappings().first())
    assert row is not None
    return repository.model(**{f.name: row[f.name] for f in dataclasses.fields(Thing)})


@pytest.mark.parametrize("thing", [
    Thing(tenant="t", id="plain"),
    Thing(tenant="t", id="full", colour=Colour.BLUE, labels={"team": "sre", "é": "ü"},
          tags=["a", "b"], timeout=dt.timedelta(seconds=90, microseconds=5),
          due=dt.datetime(2030, 1, 2, 3, 4, 5, 678901, tzinfo=dt.UTC), count=-7,
          ratio=0.25, done=True, note="line\nbreak"),
])
async def test_a_fast_read_gives_what_sqlalchemy_gives(db: DatabaseConnection,
                                                       thing: Thing) -> None:
    repository = Repository(db, things, Thing, "thing")
    created = await repository.create(thing)

    fast = await repository.get("t", thing.id)

    assert fast == created == await slow_get(repository, "t", thing.id)
    assert fast.create_time.tzinfo is not None and isinstance(fast.colour, Colour)


async def test_a_fast_read_sees_each_committed_write_at_once(db: DatabaseConnection) -> None:
    repository = Repository(db, things, Thing, "thing")
    with pytest.raises(NotFound):
        await repository.get("t", "x")
    created = await repository.create(Thing(tenant="t", id="x"))
    assert (await repository.get("t", "x")).etag == created.etag
    updated = await repository.update(dataclasses.replace(created, count=1))
    assert (await repository.get("t", "x")).count == 1 and updated.etag != created.etag
    await repository.delete("t", "x")
    with pytest.raises(NotFound):
        await repository.get("t", "x")


async def test_a_read_that_would_wait_for_a_lock_is_made_the_usual_way(
        db: DatabaseConnection, monkeypatch: pytest.MonkeyPatch) -> None:
    repository = Repository(db, things, Thing, "thing")
    await repository.create(Thing(tenant="t", id="x"))

    def locked(self: ReadConnection) -> Any:
        raise WouldWait

    monkeypatch.setattr("shared.database.fast_reads.PreparedRead.first",
                        lambda self, parameters: locked(self))
    assert (await repository.get("t", "x")).id == "x"


def test_an_in_memory_database_has_no_read_connection() -> None:
    memory = DatabaseConnection("sqlite+aiosqlite:///:memory:")
    assert memory.prepared_read(sa.select(things)) is None
