"""Migration 0004 creates exactly the assignments and executions tables the repository declares,
and downgrades cleanly back to 0003."""

from __future__ import annotations

import pathlib

import sqlalchemy as sa
from alembic import command
from alembic.script import ScriptDirectory

from services.agent_orchestrator.repository import metadata
from services.agent_orchestrator.server import MIGRATIONS
from shared.database import DatabaseConnection
from shared.database.migrations import alembic_config, upgrade
from tests.schema import schema_differences


def _tables(connection: sa.Connection) -> set[str]:
    return set(sa.inspect(connection).get_table_names())


async def test_0004_matches_the_repository_tables_and_downgrades(tmp_path: pathlib.Path
                                                                 ) -> None:
    db = DatabaseConnection(f"sqlite+aiosqlite:///{tmp_path}/orchestrator.db")
    try:
        await upgrade(db, MIGRATIONS)
        async with db.connect() as conn:
            assert await conn.run_sync(schema_differences(metadata)) == []
            assert {"agents", "assignments", "executions"} <= await conn.run_sync(_tables)

        config = alembic_config(MIGRATIONS)

        def downgrade(connection: sa.Connection) -> None:
            config.attributes["connection"] = connection
            command.downgrade(config, "0003")

        async with db.transaction() as conn:
            await conn.run_sync(downgrade)
        async with db.connect() as conn:
            tables = await conn.run_sync(_tables)
        assert "agents" in tables
        assert not {"assignments", "executions"} & tables
    finally:
        await db.dispose()


def test_0004_revises_0003() -> None:
    revision = ScriptDirectory.from_config(alembic_config(MIGRATIONS)).get_revision("0004")
    assert revision is not None
    assert (revision.revision, revision.down_revision) == ("0004", "0003")
