"""The memory service's tables and repositories; the only module of the service with SQL."""

from __future__ import annotations

import datetime as dt
from typing import Any

import sqlalchemy as sa

from services.memory.core.models import Memory, MemoryKind, Namespace
from shared.database import (
    DatabaseConnection,
    Page,
    PageRequest,
    Repository,
    UtcDateTime,
    entity_columns,
    enum_column,
)
from shared.database.filter_sql import filter_where
from shared.resources.filters import MATCH_ALL, Filter

# Namespace ids follow the contract's `^[a-z0-9][a-z0-9._-]{0,127}$`, longer than other ids.
NAMESPACE_ID_LENGTH = 128

metadata = sa.MetaData()


def _namespace_entity_columns() -> list[sa.Column[Any]]:
    return [sa.Column("id", sa.String(NAMESPACE_ID_LENGTH), primary_key=True)
            if column.name == "id" else column for column in entity_columns()]


memories = sa.Table(
    "memories",
    metadata,
    *entity_columns(),
    sa.Column("namespace", sa.String(NAMESPACE_ID_LENGTH), nullable=False),
    sa.Column("content", sa.Text, nullable=False),
    sa.Column("kind", enum_column(MemoryKind), nullable=False),
    sa.Column("importance", sa.Float, nullable=False),
    sa.Column("metadata", sa.JSON, nullable=False),
    sa.Column("expire_time", UtcDateTime(), nullable=True),
    sa.Index("memories_by_tenant_time", "tenant", "create_time"),
    sa.Index("memories_by_tenant_namespace_time", "tenant", "namespace", "create_time"),
)

namespaces = sa.Table(
    "namespaces",
    metadata,
    *_namespace_entity_columns(),
    sa.Column("display_name", sa.String(200), nullable=False),
    sa.Column("readers", sa.JSON, nullable=False),
    sa.Column("writers", sa.JSON, nullable=False),
    sa.Column("lifecycle_policy", sa.String(256), nullable=False),
)


class MemoryRepository(Repository[Memory]):
    """Memories, tenant-scoped, listable without the expired ones."""

    async def list_live(self, tenant: str, page: PageRequest, now: dt.datetime,
                        matching: Filter = MATCH_ALL) -> Page[Memory]:
        """One page of ``tenant``'s memories not expired at ``now`` that ``matching``
        selects, newest first."""
        c = self.table.c
        where = [sa.or_(c.expire_time.is_(None), c.expire_time > now),
                 *filter_where(matching, self.table)]
        return await self.list(tenant, page, where)


class NamespaceRepository(Repository[Namespace]):
    """Namespaces, tenant-scoped, listed by id."""

    async def list_by_id(self, tenant: str, page: PageRequest) -> Page[Namespace]:
        """One page of ``tenant``'s namespaces in id order (the cursor's time is unused)."""
        c = self.table.c
        query = sa.select(self.table).where(c.tenant == tenant)
        if page.after is not None:
            query = query.where(c.id > page.after.id)
        return await self.fetch_page(query.order_by(c.id), page)


def memory_repository(db: DatabaseConnection) -> MemoryRepository:
    """Memories, tenant-scoped."""
    return MemoryRepository(db, memories, Memory, "memory")


def namespace_repository(db: DatabaseConnection) -> NamespaceRepository:
    """Namespaces, tenant-scoped."""
    return NamespaceRepository(db, namespaces, Namespace, "namespace")
