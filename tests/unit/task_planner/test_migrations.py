"""Migration 0004 creates exactly the plans and tasks tables the repository declares, and
downgrades cleanly back to 0003."""

from __future__ import annotations

import pathlib

import sqlalchemy as sa
from alembic.script import ScriptDirectory

from services.task_planner.repository import metadata
from services.task_planner.server import MIGRATIONS
from shared.database import DatabaseConnection
from shared.database.migrations import alembic_config, upgrade
from tests.schema import schema_differences


async def test_0004_matches_the_repository_tables(tmp_path: pathlib.Path) -> None:
    db = DatabaseConnection(f"sqlite+aiosqlite:///{tmp_path}/planner.db")
    try:
        await upgrade(db, MIGRATIONS)
        async with db.connect() as conn:
            assert await conn.run_sync(schema_differences(metadata)) == []
            tables = await conn.run_sync(lambda c: sa.inspect(c).get_table_names())
        assert {"goals", "plans", "tasks"} <= set(tables)
    finally:
        await db.dispose()


def test_0004_revises_0003() -> None:
    revision = ScriptDirectory.from_config(alembic_config(MIGRATIONS)).get_revision("0004")
    assert revision is not None
    assert (revision.revision, revision.down_revision) == ("0004", "0003")
