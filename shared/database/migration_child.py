"""Run a service's migrations in a short-lived child process.

Alembic (with Mako and Pygments behind it) costs each process about 11 MiB that it would keep
for its whole life after a one-off job at start-up; migrating in a child keeps the serving
process lean. The child is ``python -m shared.database.migrations``; the database URL reaches it
through the environment, never the command line.
"""

from __future__ import annotations

import asyncio
import os
import pathlib
import sys

from shared.database.connection import DatabaseConnection

URL_VARIABLE = "COGNOS_MIGRATE_URL"
SCHEMA_VARIABLE = "COGNOS_MIGRATE_SCHEMA"


class MigrationError(RuntimeError):
    """The migration child process failed; its output is in the message."""


async def run_migrations(db: DatabaseConnection, script_location: pathlib.Path) -> None:
    """Bring ``db`` to the head of the history in ``script_location`` (in a child process).

    Raises:
        MigrationError: The migrations failed.
    """
    env = {**os.environ, URL_VARIABLE: db.url.render_as_string(hide_password=False),
           SCHEMA_VARIABLE: db.schema or ""}
    child = await asyncio.create_subprocess_exec(
        sys.executable, "-m", "shared.database.migrations", str(script_location),
        env=env, stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.STDOUT)
    output, _ = await child.communicate()
    if child.returncode != 0:
        tail = output.decode(errors="replace")[-4000:]
        raise MigrationError(f"migrations in {script_location} failed:\n{tail}")
