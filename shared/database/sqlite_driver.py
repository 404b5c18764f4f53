"""SQLAlchemy's aiosqlite driver with one trip to the SQLite thread per statement.

aiosqlite runs every call on its own worker thread; SQLAlchemy's adapter makes four such calls
per statement (open a cursor, execute, fetch, close) and one more to roll back a connection
that only read. Each trip wakes the worker thread and then the event loop, which costs more
than the statement itself, and on a busy machine each wake-up waits for a core. This adapter
runs a statement, its rows and its cursor's bookkeeping in one call on the same thread
through the same queue, and skips commit and rollback when SQLite has no transaction open
(a connection that only read). The SQL, the transactions and the errors are the driver's own.

Used by :class:`~shared.database.connection.DatabaseConnection` for ``sqlite+aiosqlite`` URLs
(``create_async_engine(module=...)``).
"""

from __future__ import annotations

import collections
import sqlite3
from typing import Any

import aiosqlite
from sqlalchemy.dialects.sqlite.aiosqlite import (
    AsyncAdapt_aiosqlite_connection,
    AsyncAdapt_aiosqlite_cursor,
    AsyncAdapt_aiosqlite_dbapi,
)
from sqlalchemy.util import EMPTY_DICT
from sqlalchemy.util.concurrency import await_

_Outcome = tuple[Any, list[Any], int, int | None, bool]


def _run(connection: sqlite3.Connection, many: bool, operation: str, parameters: Any
         ) -> _Outcome:
    """On the worker thread: run one statement; return its description, all its rows, row
    count, last row id, and whether a transaction is open afterwards."""
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


class OneTripCursor(AsyncAdapt_aiosqlite_cursor):
    """A cursor whose statements each take one trip to aiosqlite's thread; it holds the
    results, not a driver cursor."""

    __slots__ = ("_description", "_lastrowid", "_rowcount")

    def __init__(self, adapt_connection: OneTripConnection) -> None:
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
        connection: OneTripConnection = self._adapt_connection  # type: ignore[assignment]
        try:
            outcome: _Outcome = await_(self._connection._execute(
                _run, self._connection._conn, many, operation, parameters))
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


class OneTripConnection(AsyncAdapt_aiosqlite_connection):
    """aiosqlite's adapted connection with :class:`OneTripCursor` and no trip for a commit or
    rollback when no transaction is open."""

    __slots__ = ("in_transaction",)

    _cursor_cls = OneTripCursor  # type: ignore[assignment]  # a subclass of the base's

    def __init__(self, dbapi: Any, connection: Any) -> None:  # an aiosqlite.Connection
        super().__init__(dbapi, connection)
        self.in_transaction = True  # unknown until the first statement

    def rollback(self) -> None:
        if self.in_transaction:
            super().rollback()
            self.in_transaction = False

    def commit(self) -> None:
        if self.in_transaction:
            super().commit()
            self.in_transaction = False


class OneTripDbapi(AsyncAdapt_aiosqlite_dbapi):
    """The DBAPI module SQLAlchemy's aiosqlite dialect loads, making :class:`OneTripConnection`s."""

    def __init__(self) -> None:
        super().__init__(aiosqlite, sqlite3)

    def connect(self, *arg: Any, **kw: Any) -> OneTripConnection:
        adapted = super().connect(*arg, **kw)
        return OneTripConnection(self, adapted._connection)
