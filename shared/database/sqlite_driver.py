"""SQLAlchemy's aiosqlite driver with its statements run on the event loop's thread.

aiosqlite runs every call on its own worker thread; SQLAlchemy's adapter makes four such calls
per statement (open a cursor, execute, fetch, close) and one more to roll back a connection
that only read. Each trip wakes the worker thread and then the event loop, which costs more
than a statement of a service's (a few rows by key, well under a millisecond), and on a busy
machine each wake-up waits for a core. This adapter runs a statement, its rows and its
cursor's bookkeeping, and commits and rollbacks, directly on the loop's thread, and skips
commit and rollback when SQLite has no transaction open (a connection that only read).
aiosqlite's thread still opens and closes connections.

A statement never blocks the loop waiting for a lock: the connection's busy timeout is 0, and
while another process holds the write lock the statement is tried again after a pause that
lets the loop run (a service's own transactions take turns before they start, see
:class:`~shared.database.connection.DatabaseConnection`). The SQL, the transactions and the
errors are the driver's own.

Used by :class:`~shared.database.connection.DatabaseConnection` for ``sqlite+aiosqlite`` URLs
(``create_async_engine(module=...)``).
"""

from __future__ import annotations

import asyncio
import collections
import sqlite3
import time
from collections.abc import Callable
from typing import Any, TypeVar

import aiosqlite
from sqlalchemy.dialects.sqlite.aiosqlite import (
    AsyncAdapt_aiosqlite_connection,
    AsyncAdapt_aiosqlite_cursor,
    AsyncAdapt_aiosqlite_dbapi,
)
from sqlalchemy.util import EMPTY_DICT
from sqlalchemy.util.concurrency import await_

_Outcome = tuple[Any, list[Any], int, int | None, bool]
_T = TypeVar("_T")

BUSY_TIMEOUT = 30.0  # most seconds a statement waits for another connection's write lock
_FIRST_PAUSE = 0.0005
_LONGEST_PAUSE = 0.02


def _run(connection: sqlite3.Connection, many: bool, operation: str, parameters: Any
         ) -> _Outcome:
    """Run one statement; return its description, all its rows, row count, last row id, and
    whether a transaction is open afterwards."""
    cursor = connection.cursor()
    try:
        if many:
            cursor.executemany(operation, parameters)
        elif parameters is None:
            cursor.execute(operation)
        else:
            cursor.execute(operation, parameters)
        description = cursor.description
        rows = cursor.fetchall() if description else []
        return (description, rows, cursor.rowcount, cursor.lastrowid,
                connection.in_transaction)
    finally:
        cursor.close()


class DirectCursor(AsyncAdapt_aiosqlite_cursor):
    """A cursor whose statements run on the caller's thread, each in one call; it holds the
    results, not a driver cursor."""

    __slots__ = ("_description", "_lastrowid", "_rowcount")

    def __init__(self, adapt_connection: DirectConnection) -> None:
        self._adapt_connection = adapt_connection
        self._connection = adapt_connection._connection
        self._soft_closed_memoized = EMPTY_DICT
        self._rows = collections.deque()
        self._description: Any = None
        self._rowcount = -1
        self._lastrowid: int | None = None

    @property
    def description(self) -> Any:
        return self._description

    @property
    def rowcount(self) -> int:
        return self._rowcount

    @property
    def lastrowid(self) -> Any:
        return self._lastrowid

    @property
    def arraysize(self) -> int:
        return 1

    @arraysize.setter
    def arraysize(self, value: int) -> None:
        pass  # every row is fetched at once

    def execute(self, operation: Any, parameters: Any = None) -> Any:
        self._run(False, operation, parameters)

    def executemany(self, operation: Any, seq_of_parameters: Any) -> Any:
        self._run(True, operation, seq_of_parameters)

    def _run(self, many: bool, operation: Any, parameters: Any) -> None:
        connection: DirectConnection = self._adapt_connection  # type: ignore[assignment]
        try:
            outcome: _Outcome = connection.run(_run, many, operation, parameters)
        except Exception as error:
            connection.in_transaction = True  # unknown: let rollback run
            connection._handle_exception(error)
        (self._description, rows, self._rowcount, self._lastrowid,
         connection.in_transaction) = outcome
        self._rows = collections.deque(rows)

    def close(self) -> None:
        self._rows.clear()

    async def _async_soft_close(self) -> None:
        return  # nothing is open between trips


class DirectConnection(AsyncAdapt_aiosqlite_connection):
    """aiosqlite's adapted connection whose statements, commits and rollbacks run on the
    caller's thread (:class:`DirectCursor`); no commit or rollback when no transaction is
    open."""

    __slots__ = ("in_transaction",)

    _cursor_cls = DirectCursor  # type: ignore[assignment]  # a subclass of the base's

    def __init__(self, dbapi: Any, connection: Any) -> None:  # an aiosqlite.Connection
        super().__init__(dbapi, connection)
        self.in_transaction = True  # unknown until the first statement

    def run(self, function: Callable[..., _T], *args: Any) -> _T:
        """``function(sqlite3 connection, *args)`` on this thread; while another connection
        holds the write lock, wait for it without blocking the event loop and try again."""
        return await_(self._run(function, *args))

    async def _run(self, function: Callable[..., _T], *args: Any) -> _T:
        # A coroutine that does not suspend unless it waits for a lock: SQLAlchemy requires
        # an await per statement, and this one costs no trip through the event loop.
        deadline: float | None = None
        pause = _FIRST_PAUSE
        while True:
            try:
                return function(self._connection._conn, *args)
            except sqlite3.OperationalError as error:
                if getattr(error, "sqlite_errorcode", 0) & 0xFF != sqlite3.SQLITE_BUSY:
                    raise
                now = time.monotonic()
                deadline = deadline or now + BUSY_TIMEOUT
                if now >= deadline:
                    raise
                await asyncio.sleep(pause)
                pause = min(pause * 2, _LONGEST_PAUSE)

    def rollback(self) -> None:
        if self.in_transaction:
            try:
                self.run(sqlite3.Connection.rollback)
            except Exception as error:
                self._handle_exception(error)
            self.in_transaction = False

    def commit(self) -> None:
        if self.in_transaction:
            try:
                self.run(sqlite3.Connection.commit)
            except Exception as error:
                self._handle_exception(error)
            self.in_transaction = False


class DirectDbapi(AsyncAdapt_aiosqlite_dbapi):
    """The DBAPI module SQLAlchemy's aiosqlite dialect loads, making :class:`DirectConnection`s."""

    def __init__(self) -> None:
        super().__init__(aiosqlite, sqlite3)

    def connect(self, *arg: Any, **kw: Any) -> DirectConnection:
        # Statements run on the event loop's thread, and lock waits are the connection's.
        kw.update(check_same_thread=False, timeout=0)
        adapted = super().connect(*arg, **kw)
        return DirectConnection(self, adapted._connection)
