"""Migration 0004 creates exactly the completions and usage tables the repository declares,
and downgrades cleanly back to 0003."""

from __future__ import annotations

import pathlib

import sqlalchemy as sa
from alembic import command
from alembic.script import ScriptDirectory

from services.ai_runtime.repository import metadata
from services.ai_runtime.server import MIGRATIONS
from shared.database import DatabaseConnection
from shared.database.migrations import alembic_config, upgrade
from tests.schema import schema_differences


async def test_0004_matches_the_repository_tables(tmp_path: pathlib.Path) -> None:
    db = DatabaseConnection(f"sqlite+aiosqlite:///{tmp_path}/runtime.db")
    try:
        await upgrade(db, MIGRATIONS)
        async with db.connect() as conn:
            differences = await conn.run_sync(schema_differences(metadata))
            tables = await conn.run_sync(lambda c: sa.inspect(c).get_table_names())
        ours = [d for d in differences if str(d).find("idempotency") < 0
                and str(d).find("audit_outbox") < 0]
        assert ours == []
        assert {"experiments", "completions", "usage_records"} <= set(tables)
    finally:
        await db.dispose()


async def test_0004_downgrades_to_0003(tmp_path: pathlib.Path) -> None:
    db = DatabaseConnection(f"sqlite+aiosqlite:///{tmp_path}/runtime.db")
    try:
        await upgrade(db, MIGRATIONS)
        async with db.transaction() as conn:
            await conn.run_sync(lambda c: _downgrade(c, "0003"))
            tables = await conn.run_sync(lambda c: sa.inspect(c).get_table_names())
        assert "completions" not in tables and "usage_records" not in tables
        assert "experiments" in tables
    finally:
        await db.dispose()


def _downgrade(connection: sa.Connection, revision: str) -> None:
    config = alembic_config(MIGRATIONS)
    config.attributes["connection"] = connection
    command.downgrade(config, revision)


def test_0004_revises_0003() -> None:
    revision = ScriptDirectory.from_config(alembic_config(MIGRATIONS)).get_revision("0004")
    assert revision is not None
    assert (revision.revision, revision.down_revision) == ("0004", "0003")
