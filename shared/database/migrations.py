"""Alembic, run programmatically: one migration history per service.

Each service keeps ``migrations/`` (``env.py`` calls :func:`run_env`, ``versions/`` holds its
revisions). :func:`upgrade` applies them on the service's own connection at start-up.
"""

from __future__ import annotations

import pathlib

from alembic import command, context
from alembic.config import Config
from sqlalchemy import MetaData
from sqlalchemy.engine import Connection

from shared.database.connection import DatabaseConnection


def alembic_config(script_location: pathlib.Path) -> Config:
    """An Alembic config for the migrations folder of one service."""
    config = Config()
    config.set_main_option("script_location", str(script_location))
    return config


async def upgrade(db: DatabaseConnection, script_location: pathlib.Path,
                  revision: str = "head") -> None:
    """Bring ``db`` to ``revision`` using the service's migration history."""
    await db.ensure_schema()
    config = alembic_config(script_location)

    def run(connection: Connection) -> None:
        config.attributes["connection"] = connection
        command.upgrade(config, revision)

    async with db.transaction() as conn:
        await conn.run_sync(run)


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
