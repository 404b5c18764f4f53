"""Comparing a service's migrated database with the tables its repository declares."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import sqlalchemy as sa
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext


def _table_of(difference: Any) -> str:
    """The table a difference is about."""
    item = difference[0] if isinstance(difference, list) else difference
    target = item[1]
    if isinstance(target, sa.Table):
        return target.name
    if isinstance(target, sa.Index) and target.table is not None:
        return target.table.name
    return str(item[2])


def schema_differences(metadata: sa.MetaData) -> Callable[[sa.Connection], list[Any]]:
    """For ``conn.run_sync``: the differences between the database and ``metadata``, on the
    tables of ``metadata`` (the shared tables, e.g. the audit outbox, belong to shared/)."""

    def differences(connection: sa.Connection) -> list[Any]:
        context = MigrationContext.configure(connection, opts={"compare_type": False})
        return [d for d in compare_metadata(context, metadata)
                if _table_of(d) in metadata.tables]

    return differences
