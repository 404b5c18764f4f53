"""Migration 0004 creates exactly the validations table the repository declares."""

from __future__ import annotations

import pathlib
from typing import Any

import sqlalchemy as sa
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from alembic.script import ScriptDirectory

from services.ai_quality_gate.repository import metadata
from services.ai_quality_gate.server import MIGRATIONS
from shared.database import DatabaseConnection
from shared.database.migrations import alembic_config, upgrade


def _table_of(difference: Any) -> str:
    """The table a difference is about (shared tables such as the outbox are not ours)."""
    item = difference[0] if isinstance(difference, list) else difference
    target = item[1]
    if isinstance(target, sa.Table):
        return target.name
    if isinstance(target, sa.Index) and target.table is not None:
        return target.table.name
    return str(item[2])


def _differences(connection: sa.Connection) -> list[Any]:
    context = MigrationContext.configure(connection, opts={"compare_type": False})
    return [d for d in compare_metadata(context, metadata)
            if _table_of(d) in metadata.tables]


async def test_migrations_match_the_repository_tables(tmp_path: pathlib.Path) -> None:
    db = DatabaseConnection(f"sqlite+aiosqlite:///{tmp_path}/quality.db")
    try:
        await upgrade(db, MIGRATIONS)
        async with db.connect() as conn:
            assert await conn.run_sync(_differences) == []
            tables = await conn.run_sync(lambda c: sa.inspect(c).get_table_names())
        assert {"policies", "validations"} <= set(tables)
    finally:
        await db.dispose()


def test_0004_revises_0003() -> None:
    revision = ScriptDirectory.from_config(alembic_config(MIGRATIONS)).get_revision("0004")
    assert revision is not None
    assert (revision.revision, revision.down_revision) == ("0004", "0003")
