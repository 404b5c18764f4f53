"""The aiosqlite driver with statements on the loop's thread: same results and transactions,
no trips to aiosqlite's thread, lock waits that never block the loop."""

from __future__ import annotations

import asyncio
import pathlib
from collections.abc import AsyncIterator
from typing import Any

import aiosqlite
import pytest
import sqlalchemy as sa
from sqlalchemy.exc import IntegrityError

from shared.database.connection import DatabaseConnection
from shared.database.sqlite_driver import DirectConnection

metadata = sa.MetaData()
items = sa.Table("items", metadata, sa.Column("id", sa.String, primary_key=True),
                 sa.Column("n", sa.Integer, nullable=False))


@pytest.fixture
async def db(tmp_path: pathlib.Path) -> AsyncIterator[DatabaseConnection]:
    database = DatabaseConnection(f"sqlite+aiosqlite:///{tmp_path / 'items.db'}")
    async with database.transaction() as conn:
        await conn.run_sync(metadata.create_all)
        await conn.execute(sa.insert(items), [{"id": "a", "n": 1}, {"id": "b", "n": 2}])
    yield database
    await database.dispose()


@pytest.fixture
def trips(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """Names of the functions sent to aiosqlite's thread, in order."""
    sent: list[str] = []
    original = aiosqlite.Connection._execute

    async def counted(self: aiosqlite.Connection, fn: Any, *args: Any, **kwargs: Any) -> Any:
        sent.append(getattr(fn, "__name__", repr(fn)))
        return await original(self, fn, *args, **kwargs)

    monkeypatch.setattr(aiosqlite.Connection, "_execute", counted)
    return sent


async def test_the_engine_uses_the_direct_connection(db: DatabaseConnection) -> None:
    async with db.connect() as conn:
        raw = await conn.get_raw_connection()
        assert isinstance(raw.dbapi_connection, DirectConnection)


async def test_reads_and_writes_take_no_trip_to_aiosqlites_thread(
        db: DatabaseConnection, trips: list[str]) -> None:
    async with db.connect() as conn:
        rows = (await conn.execute(sa.select(items).order_by(items.c.id))).all()
    assert [tuple(r) for r in rows] == [("a", 1), ("b", 2)]
    async with db.transaction() as conn:
        updated = await conn.execute(sa.update(items).where(items.c.n >= 1).values(n=items.c.n + 1))
        inserted = await conn.execute(sa.insert(items).returning(items.c.id), {"id": "c", "n": 0})
        assert updated.rowcount == 2
        assert inserted.scalar_one() == "c"
    assert trips == []
    async with db.connect() as conn:
        assert (await conn.execute(sa.select(sa.func.sum(items.c.n)))).scalar_one() == 5


async def test_a_write_waits_for_another_processs_lock_without_blocking_the_loop(
        db: DatabaseConnection) -> None:
    other = DatabaseConnection(db.url.render_as_string(hide_password=False))  # own turns
    ticks = 0

    async def ticking() -> None:
        nonlocal ticks
        while True:
            ticks += 1
            await asyncio.sleep(0.005)

    ticker = asyncio.create_task(ticking())
    try:
        async with other.transaction() as holder:
            await holder.execute(sa.update(items).where(items.c.id == "a").values(n=10))

            async def write() -> None:
                async with db.transaction() as conn:
                    await conn.execute(sa.update(items).where(items.c.id == "b")
                                       .values(n=items.c.n + 1))

            waiting = asyncio.create_task(write())
            await asyncio.sleep(0.2)
            assert not waiting.done()  # it waits for the lock …
            assert ticks >= 5  # … and the loop runs meanwhile
        await asyncio.wait_for(waiting, 5)  # and it writes once the lock is free
    finally:
        ticker.cancel()
        await other.dispose()
    async with db.connect() as conn:
        rows = (await conn.execute(sa.select(items.c.n).order_by(items.c.id))).scalars().all()
    assert rows == [10, 3]


async def test_executemany_updates_every_row(db: DatabaseConnection) -> None:
    statement = sa.update(items).where(items.c.id == sa.bindparam("b_id"))
    async with db.transaction() as conn:
        result = await conn.execute(statement, [{"b_id": "a", "n": 10}, {"b_id": "b", "n": 20}])
        assert result.rowcount == 2
    async with db.connect() as conn:
        rows = (await conn.execute(sa.select(items.c.n).order_by(items.c.id))).scalars().all()
    assert rows == [10, 20]


async def test_a_failed_statement_rolls_the_whole_transaction_back(db: DatabaseConnection) -> None:
    with pytest.raises(IntegrityError):
        async with db.transaction() as conn:
            await conn.execute(sa.update(items).where(items.c.id == "a").values(n=100))
            await conn.execute(sa.insert(items), {"id": "b", "n": 3})  # duplicate key
    async with db.connect() as conn:
        assert (await conn.execute(sa.select(items.c.n).where(items.c.id == "a"))
                ).scalar_one() == 1


async def test_a_connection_that_only_read_is_reused_cleanly(db: DatabaseConnection) -> None:
    for _ in range(3):
        async with db.connect() as conn:
            assert (await conn.execute(sa.select(sa.func.count()).select_from(items))
                    ).scalar_one() == 2
    async with db.transaction() as conn:
        await conn.execute(sa.delete(items).where(items.c.id == "a"))
    async with db.connect() as conn:
        assert (await conn.execute(sa.select(sa.func.count()).select_from(items))
                ).scalar_one() == 1


async def test_a_services_transactions_take_turns_and_a_waiting_one_starts_as_the_first_ends(
        db: DatabaseConnection) -> None:
    events: list[str] = []
    first_wrote = asyncio.Event()

    async def first() -> None:
        async with db.transaction() as conn:
            events.append("first in")
            await conn.execute(sa.update(items).where(items.c.id == "a").values(n=10))
            first_wrote.set()
            await asyncio.sleep(0.2)  # holds SQLite's write lock meanwhile
            events.append("first out")

    async def second() -> None:
        await first_wrote.wait()
        async with db.transaction() as conn:
            events.append("second in")
            await conn.execute(sa.update(items).where(items.c.id == "a").values(n=items.c.n + 1))

    await asyncio.gather(first(), second())

    assert events == ["first in", "first out", "second in"]
    async with db.connect() as conn:
        assert (await conn.execute(sa.select(items.c.n).where(items.c.id == "a"))
                ).scalar_one() == 11


async def test_a_transaction_opened_inside_another_of_the_same_task_does_not_wait_for_it(
        db: DatabaseConnection) -> None:
    async with db.transaction() as outer:
        await outer.execute(sa.select(items.c.id))
        async with db.transaction() as inner:
            await inner.execute(sa.insert(items), {"id": "c", "n": 3})
    async with db.connect() as conn:
        assert (await conn.execute(sa.select(sa.func.count()).select_from(items))
                ).scalar_one() == 3
