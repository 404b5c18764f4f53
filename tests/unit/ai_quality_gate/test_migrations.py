"""Migration 0004 creates exactly the validations table the repository declares."""

from __future__ import annotations

import pathlib

import sqlalchemy as sa
from alembic.script import ScriptDirectory

from services.ai_quality_gate.repository import metadata
from services.ai_quality_gate.server import MIGRATIONS
from shared.database import DatabaseConnection
from shared.database.migrations import alembic_config, upgrade
from tests.schema import schema_differences


async def test_migrations_match_the_repository_tables(tmp_path: pathlib.Path) -> None:
    db = DatabaseConnection(f"sqlite+aiosqlite:///{tmp_path}/quality.db")
    try:
        await upgrade(db, MIGRATIONS)
        async with db.connect() as conn:
            assert await conn.run_sync(schema_differences(metadata)) == []
            tables = await conn.run_sync(lambda c: sa.inspect(c).get_table_names())
        assert {"policies", "validations"} <= set(tables)
    finally:
        await db.dispose()


def test_0004_revises_0003() -> None:
    revision = ScriptDirectory.from_config(alembic_config(MIGRATIONS)).get_revision("0004")
    assert revision is not None
    assert (revision.revision, revision.down_revision) == ("0004", "0003")
