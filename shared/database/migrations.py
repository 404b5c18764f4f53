"""Alembic, run programmatically: one migration history per service.

Each service keeps ``migrations/`` (``env.py`` calls :func:`run_env`, ``versions/`` holds its
revisions). :func:`upgrade` applies them on a connection of this process; services run it in a
child process at start-up (``python -m shared.database.migrations <folder>``, see
:mod:`shared.database.migration_child`).
"""

from __future__ import annotations

import asyncio
import fcntl
import os
import pathlib
import sys
import zlib
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

import sqlalchemy as sa
from alembic import command, context
from alembic.config import Config
from sqlalchemy import MetaData
from sqlalchemy.engine import Connection

from shared.database.connection import DatabaseConnection
from shared.private_files import open_private


def alembic_config(script_location: pathlib.Path) -> Config:
    """An Alembic config for the migrations folder of one service."""
    config = Config()
    config.set_main_option("script_location", str(script_location))
    return config


async def upgrade(db: DatabaseConnection, script_location: pathlib.Path,
                  revision: str = "head") -> None:
    """Bring ``db`` to ``revision`` using the service's migration history.

    Replicas starting together must not migrate at once: PostgreSQL serialises them with a
    transaction-scoped advisory lock, SQLite with an exclusive lock on a file beside the database.
    """
    await db.ensure_schema()
    config = alembic_config(script_location)

    def run(connection: Connection) -> None:
        config.attributes["connection"] = connection
        command.upgrade(config, revision)

    async with _sqlite_migration_lock(db), db.transaction() as conn:
        if db.is_postgresql:
            key = zlib.crc32(f"cognos-migrate:{db.schema}".encode())
            await conn.execute(sa.text("SELECT pg_advisory_xact_lock(:key)"), {"key": key})
        await conn.run_sync(run)


@asynccontextmanager
async def _sqlite_migration_lock(db: DatabaseConnection) -> AsyncIterator[None]:
    database = db.url.database if db.is_sqlite else None
    if not database or database == ":memory:":
        yield
        return
    lock = open_private(pathlib.Path(f"{database}.migrate.lock"), os.O_WRONLY)
    with open(lock, "a") as handle:
        await asyncio.to_thread(fcntl.flock, handle, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(handle, fcntl.LOCK_UN)


def run_env(target_metadata: MetaData) -> None:
    """Body of every service's ``migrations/env.py``.

    Online only: the connection is handed over by :func:`upgrade` (or the ``alembic`` CLI
    with a URL, for generating revisions during development).
    """
    connection = context.config.attributes.get("connection")
    if connection is None:
        from sqlalchemy import create_engine

        url = context.config.get_main_option("sqlalchemy.url")
        if not url:
            raise RuntimeError("set sqlalchemy.url to run migrations from the command line")
        with create_engine(url).connect() as conn:
            _migrate(conn, target_metadata)
            conn.commit()
        return
    _migrate(connection, target_metadata)


def _migrate(connection: Connection, target_metadata: MetaData) -> None:
    context.configure(connection=connection, target_metadata=target_metadata,
                      render_as_batch=connection.dialect.name == "sqlite")
    with context.begin_transaction():
        context.run_migrations()


async def _upgrade_from_environment(script_location: pathlib.Path) -> None:
    from shared.database.migration_child import SCHEMA_VARIABLE, URL_VARIABLE

    db = DatabaseConnection(os.environ[URL_VARIABLE],
                            schema=os.environ.get(SCHEMA_VARIABLE) or None)
    try:
        await upgrade(db, script_location)
    finally:
        await db.dispose()


if __name__ == "__main__":
    asyncio.run(_upgrade_from_environment(pathlib.Path(sys.argv[1])))
