"""Migration 0004 creates exactly the assignments and executions tables the repository declares,
and downgrades cleanly back to 0003."""

from __future__ import annotations

import pathlib
from typing import Any

import sqlalchemy as sa
from alembic import command
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from alembic.script import ScriptDirectory

from services.agent_orchestrator.repository import metadata
from services.agent_orchestrator.server import MIGRATIONS
from shared.database import DatabaseConnection
from shared.database.migrations import alembic_config, upgrade


def _differences(connection: sa.Connection) -> list[Any]:
    # Tables of shared/ (idempotency keys, audit outbox) are not in this service's metadata.
    context = MigrationContext.configure(connection, opts={"compare_type": False})
    return [d for d in compare_metadata(context, metadata)
            if not (isinstance(d, tuple) and d[0] in ("remove_table", "remove_index")
                    and d[1].name not in metadata.tables
                    and getattr(getattr(d[1], "table", None), "name", None)
                    not in metadata.tables)]


def _tables(connection: sa.Connection) -> set[str]:
    return set(sa.inspect(connection).get_table_names())


async def test_0004_matches_the_repository_tables_and_downgrades(tmp_path: pathlib.Path
                                                                 ) -> None:
    db = DatabaseConnection(f"sqlite+aiosqlite:///{tmp_path}/orchestrator.db")
    try:
        await upgrade(db, MIGRATIONS)
        async with db.connect() as conn:
            assert await conn.run_sync(_differences) == []
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
