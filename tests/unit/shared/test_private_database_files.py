"""A service's SQLite database is its owner's only: the file (and SQLite's -wal and -shm files)
0600, its folder 0700, whatever the umask; looser ones are tightened when it is opened."""

from __future__ import annotations

import pathlib
from collections.abc import Iterator

import pytest
import sqlalchemy as sa

from shared.config import ServiceSettings
from shared.database import DatabaseConnection
from shared.mesh.registry import by_name
from tests.umask import mode_of, permissive_umask


@pytest.fixture(autouse=True)
def _permissive_umask() -> Iterator[None]:
    with permissive_umask():
        yield


async def _write_a_row(db: DatabaseConnection) -> None:
    async with db.transaction() as conn:
        await conn.execute(sa.text("CREATE TABLE IF NOT EXISTS t (x INTEGER)"))
        await conn.execute(sa.text("INSERT INTO t VALUES (1)"))


async def test_a_services_database_and_its_folder_are_created_private(
        tmp_path: pathlib.Path) -> None:
    settings = ServiceSettings(mesh={"data_dir": str(tmp_path / "var" / "data")})
    db = DatabaseConnection(settings.resolved_database_url(by_name("memory")))
    try:
        await _write_a_row(db)
        database = tmp_path / "var" / "data" / "memory.db"
        companions = [database.with_name(database.name + s) for s in ("-wal", "-shm")]
        assert all(p.exists() for p in companions)  # WAL mode, while the engine is open
        assert {mode_of(p) for p in (database, *companions)} == {0o600}
        assert mode_of(database.parent) == mode_of(database.parent.parent) == 0o700
    finally:
        await db.dispose()


async def test_a_loose_database_is_tightened_when_opened(tmp_path: pathlib.Path) -> None:
    folder = tmp_path / "data"
    url = f"sqlite+aiosqlite:///{folder / 'x.db'}"
    first = DatabaseConnection(url)
    await _write_a_row(first)
    folder.chmod(0o755)
    loose = list(folder.iterdir())
    for file in loose:
        file.chmod(0o644)

    second = DatabaseConnection(url)
    try:
        assert mode_of(folder) == 0o700
        assert {p.name: mode_of(p) for p in loose} == {p.name: 0o600 for p in loose}
        await _write_a_row(second)
    finally:
        await first.dispose()
        await second.dispose()
