"""Reads of one row by key on a SQLite file, without SQLAlchemy's per-statement machinery.

A Get's read by key is a few microseconds of SQLite and about a hundred of SQLAlchemy around
it (a pooled connection checked out and returned, the statement's parameters and result set
built, a hand-over to its greenlet). On a SQLite file a service's process keeps one more
connection, in autocommit and read-only: a statement compiled once by SQLAlchemy (the same
SQL) runs on it directly, on the event loop's thread, and its values go through the result
processors SQLAlchemy's column types give (times, enums, JSON come back as they would). Each
statement is its own read transaction, so it sees every write committed before it. Where it
cannot run at once (another connection holds a lock SQLite makes it wait for), the caller
reads the usual way.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Callable, Mapping
from typing import Any

import sqlalchemy as sa

Processor = Callable[[Any], Any] | None


class ReadConnection:
    """This process's read-only, autocommit connection to a SQLite file, opened on first use.

    Args:
        database: The file's path.
    """

    def __init__(self, database: str) -> None:
        self._database = database
        self._connection: sqlite3.Connection | None = None

    def connection(self) -> sqlite3.Connection:
        if self._connection is None:
            # timeout=0: a lock is never waited for here (the caller reads the usual way).
            connection = sqlite3.connect(self._database, isolation_level=None, timeout=0,
                                         check_same_thread=False)
            connection.execute("PRAGMA query_only=1")
            self._connection = connection
        return self._connection

    def close(self) -> None:
        if self._connection is not None:
            self._connection.close()
            self._connection = None


class PreparedRead:
    """One SELECT compiled once, run on a :class:`ReadConnection`.

    Args:
        reader: The connection it runs on.
        statement: The statement; its bound parameters are given by name to :meth:`first`.
        dialect: The engine's dialect (SQLite), which compiles it and types its values.
    """

    def __init__(self, reader: ReadConnection, statement: sa.Select[Any],
                 dialect: sa.Dialect) -> None:
        compiled = statement.compile(dialect=dialect)
        self._reader = reader
        self._sql = compiled.string
        self._parameters = [(name, _bind_processor(compiled.binds[name].type, dialect))
                            for name in compiled.positiontup or ()]
        self._columns = [(str(column.key), column.type.dialect_impl(dialect).result_processor(
            dialect, None)) for column in statement.selected_columns]

    def first(self, parameters: Mapping[str, Any]) -> dict[str, Any] | None:
        """The first row as column name -> value, or None when there is none.

        Raises:
            WouldWait: SQLite would have to wait for a lock (read the usual way then).
        """
        values = [value if process is None else process(value)
                  for value, process in ((parameters[name], process)
                                         for name, process in self._parameters)]
        try:
            row = self._reader.connection().execute(self._sql, values).fetchone()
        except sqlite3.OperationalError as error:
            if getattr(error, "sqlite_errorcode", 0) & 0xFF in (sqlite3.SQLITE_BUSY,
                                                                 sqlite3.SQLITE_LOCKED):
                raise WouldWait from error
            raise
        if row is None:
            return None
        return {name: value if process is None else process(value)
                for (name, process), value in zip(self._columns, row, strict=True)}


class WouldWait(Exception):
    """SQLite would have to wait for a lock to run the statement."""


def _bind_processor(type_: sa.types.TypeEngine[Any], dialect: sa.Dialect) -> Processor:
    processor: Processor = type_.dialect_impl(dialect).bind_processor(dialect)
    return processor
