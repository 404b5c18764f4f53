"""``DatabaseConnection``: one async engine per service, SQLite (embedded) or PostgreSQL.

On PostgreSQL each service lives in its own schema (named after the service), selected through
the connection's ``search_path``, so tables and the Alembic version table never mix. On SQLite
each service has its own file (0600, in a 0700 folder, whatever the umask; SQLite gives its
-wal and -shm files the database's mode), in WAL mode so readers do not block writers,
through aiosqlite with the statements on the event loop's thread
(:mod:`shared.database.sqlite_driver`); a process's transactions take turns on an asyncio
lock, and a statement that finds the write lock held by another process is tried again
without blocking the loop.
"""

from __future__ import annotations

import asyncio
import pathlib
import re
import zlib
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from typing import Any, TypeVar

import sqlalchemy as sa
from sqlalchemy.engine import make_url
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine, create_async_engine
from sqlalchemy.util import greenlet_spawn

from shared.database.fast_reads import PreparedRead, ReadConnection
from shared.database.sqlite_driver import DirectConnection, DirectDbapi
from shared.private_files import FILE_MODE, private_directory, private_file, tighten

_SCHEMA = re.compile(r"^[a-z_][a-z0-9_]{0,62}$")


T = TypeVar("T")

class DatabaseConnection:
    """The engine of one service's database.

    Args:
        url: SQLAlchemy URL (``sqlite+aiosqlite:///…`` or ``postgresql+asyncpg://…``).
        schema: PostgreSQL schema owned by the service; ignored on SQLite.
        echo: Log SQL statements.
    """

    def __init__(self, url: str, *, schema: str | None = None, echo: bool = False) -> None:
        self.url = make_url(url)
        self.schema = schema if self.is_postgresql else None
        if self.schema is not None and not _SCHEMA.match(self.schema):
            raise ValueError(f"bad schema name {self.schema!r}")
        self.engine: AsyncEngine = self._create_engine(echo)
        self._writers: _WriterTurns | None = _WriterTurns() if self.is_sqlite else None
        database = self.url.database or ""
        self._reader = (ReadConnection(database) if self.is_sqlite and database
                        and database != ":memory:" else None)

    @property
    def is_postgresql(self) -> bool:
        return self.url.get_backend_name() == "postgresql"

    @property
    def is_sqlite(self) -> bool:
        return self.url.get_backend_name() == "sqlite"

    def _create_engine(self, echo: bool) -> AsyncEngine:
        kwargs: dict[str, Any] = {"echo": echo}
        if self.is_sqlite:
            database = self.url.database or ""
            if database and database != ":memory:":
                _private_sqlite_files(pathlib.Path(database))
            if self.url.get_driver_name() == "aiosqlite":
                kwargs["module"] = DirectDbapi()  # it waits for locks itself
            else:
                kwargs["connect_args"] = {"timeout": 30}
        elif self.is_postgresql:
            kwargs.update(pool_size=10, max_overflow=10, pool_pre_ping=True)
            if self.schema:
                kwargs["connect_args"] = {"server_settings": {"search_path": self.schema}}
        engine = create_async_engine(self.url, **kwargs)
        if self.is_sqlite:
            sa.event.listen(engine.sync_engine, "connect", _sqlite_pragmas)
        return engine

    async def ensure_schema(self) -> None:
        """Create the service's PostgreSQL schema if it does not exist yet.

        Replicas starting together take turns: two concurrent ``CREATE SCHEMA IF NOT EXISTS``
        can both miss the other's and one then fails on the catalog's unique index.
        """
        if self.schema:
            key = zlib.crc32(f"cognos-schema:{self.schema}".encode())
            async with self.engine.begin() as conn:
                await conn.execute(sa.text("SELECT pg_advisory_xact_lock(:key)"), {"key": key})
                await conn.execute(sa.text(f'CREATE SCHEMA IF NOT EXISTS "{self.schema}"'))

    @asynccontextmanager
    async def transaction(self) -> AsyncIterator[AsyncConnection]:
        """A connection inside a transaction, committed on success, rolled back on error.

        On SQLite the service's transactions take turns (SQLite has one writer at a time):
        one that waits is woken as the one before it ends, instead of trying its first write
        again and again while the other holds SQLite's write lock.
        """
        if self._writers is None:
            async with self.engine.begin() as conn:
                yield conn
            return
        async with self._writers.turn(), self.engine.begin() as conn:
            yield conn

    async def read(self, work: Callable[[sa.Connection], T]) -> T:
        """``work(connection)`` on a connection for reads, handed to SQLAlchemy's core once.

        :meth:`connect` hands over three times (open, each statement, close) and closes in a
        task of its own; a read of a row by key costs less than those hand-overs. ``work``
        runs outside the call's context variables: read them before.
        """
        sync_engine = self.engine.sync_engine

        def run() -> T:
            with sync_engine.connect() as conn:
                return work(conn)

        return await greenlet_spawn(run)

    def prepared_read(self, statement: sa.Select[Any]) -> PreparedRead | None:
        """``statement`` compiled once to run on this process's read connection
        (:mod:`shared.database.fast_reads`); None where there is none (PostgreSQL, SQLite in
        memory)."""
        if self._reader is None:
            return None
        return PreparedRead(self._reader, statement, self.engine.dialect)

    @asynccontextmanager
    async def connect(self) -> AsyncIterator[AsyncConnection]:
        """A connection for reads (autocommit semantics are not assumed)."""
        async with self.engine.connect() as conn:
            yield conn

    async def dispose(self) -> None:
        """Close every pooled connection, and the read connection."""
        if self._reader is not None:
            self._reader.close()
        await self.engine.dispose()


def _private_sqlite_files(database: pathlib.Path) -> None:
    """The database's folder 0700 and its files 0600: created so, or tightened."""
    private_directory(database.parent)
    private_file(database)
    for suffix in ("-wal", "-shm", "-journal"):
        companion = database.with_name(database.name + suffix)
        if companion.exists():
            tighten(companion, FILE_MODE)


def _sqlite_pragmas(dbapi_connection: Any, _record: Any) -> None:
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA synchronous=NORMAL")
    cursor.execute("PRAGMA foreign_keys=ON")
    if not isinstance(dbapi_connection, DirectConnection):  # it waits for locks itself
        cursor.execute("PRAGMA busy_timeout=30000")
    cursor.close()


class _WriterTurns:
    """One transaction at a time per process and database, in the order they asked; a
    transaction opened inside another (same task) runs within its turn."""

    def __init__(self) -> None:
        self._lock: asyncio.Lock | None = None
        self._loop: asyncio.AbstractEventLoop | None = None
        self._holder: asyncio.Task[Any] | None = None

    @asynccontextmanager
    async def turn(self) -> AsyncIterator[None]:
        task = asyncio.current_task()
        if task is not None and task is self._holder:
            yield
            return
        loop = asyncio.get_running_loop()
        if self._lock is None or self._loop is not loop:  # a lock serves one event loop
            self._lock, self._loop = asyncio.Lock(), loop
        async with self._lock:
            self._holder = task
            try:
                yield
            finally:
                self._holder = None
