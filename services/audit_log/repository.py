"""The audit-log's table and repository; the only module of the service with SQL."""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa

from services.audit_log.core.chain import SequenceTaken
from services.audit_log.core.models import AuditEntry, AuditQuery, Outcome
from shared.database import (
    DatabaseConnection,
    Page,
    PageRequest,
    Repository,
    entity_columns,
    enum_column,
)
from shared.database.pagination import Cursor
from shared.errors import AlreadyExists

metadata = sa.MetaData()


audit_entries = sa.Table(
    "audit_entries",
    metadata,
    *entity_columns(),
    sa.Column("actor", sa.String(256), nullable=False),
    sa.Column("action", sa.String(128), nullable=False),
    sa.Column("resource", sa.String(1024), nullable=False),
    sa.Column("outcome", enum_column(Outcome), nullable=False),
    sa.Column("trace_id", sa.String(32), nullable=False),
    sa.Column("payload_digest", sa.String(64), nullable=False),
    sa.Column("sequence", sa.BigInteger, nullable=False),
    sa.Column("previous_hash", sa.String(64), nullable=False),
    sa.Column("hash", sa.String(64), nullable=False),
    # Unique, so two appends racing for the same position cannot both win.
    sa.Index("audit_entries_by_tenant_sequence", "tenant", "sequence", unique=True),
    sa.Index("audit_entries_by_tenant_resource", "tenant", "resource"),
)


class AuditEntryRepository(Repository[AuditEntry]):
    """Audit entries, tenant-scoped, ordered by their position in the tenant's chain."""

    def __init__(self, db: DatabaseConnection) -> None:
        super().__init__(db, audit_entries, AuditEntry, "audit entry")

    async def head(self, tenant: str) -> AuditEntry | None:
        """The last entry of ``tenant``'s chain, or None when the log is empty."""
        query = (sa.select(self.table).where(self.table.c.tenant == tenant)
                 .order_by(self.table.c.sequence.desc()).limit(1))
        async with self.db.connect() as conn:
            row = (await conn.execute(query)).mappings().first()
        return None if row is None else self._from_row(row)

    async def append(self, entry: AuditEntry) -> AuditEntry:
        """Insert a linked entry.

        Raises:
            AlreadyExists: The entry's id is taken.
            SequenceTaken: Another entry already holds its sequence number.
        """
        try:
            return await self.create(entry)
        except AlreadyExists as error:
            async with self.db.connect() as conn:
                taken = (await conn.execute(sa.select(self.table.c.id).where(
                    self._key(entry.tenant, entry.id)))).first()
            if taken is not None:
                raise
            raise SequenceTaken(entry.sequence) from error

    async def search(self, tenant: str, query: AuditQuery,
                     page: PageRequest) -> Page[AuditEntry]:
        """Entries matching ``query``, highest sequence first."""
        c = self.table.c
        where = self._filters(query)
        if page.after is not None:
            after = sa.select(c.sequence).where(c.tenant == tenant, c.id == page.after.id)
            where.append(c.sequence < after.scalar_subquery())
        select = (sa.select(self.table).where(c.tenant == tenant, *where)
                  .order_by(c.sequence.desc()).limit(page.size + 1))
        async with self.db.connect() as conn:
            rows = (await conn.execute(select)).mappings().all()
        items = [self._from_row(r) for r in rows[: page.size]]
        token = ""
        if len(rows) > page.size:
            token = Cursor(items[-1].create_time, items[-1].id).encode()
        return Page(items, token)

    def _filters(self, query: AuditQuery) -> list[sa.ColumnElement[bool]]:
        c = self.table.c
        where: list[sa.ColumnElement[bool]] = []
        for column, value in ((c.resource, query.resource), (c.actor, query.actor),
                              (c.trace_id, query.trace_id)):
            if value:
                where.append(column == value)
        if query.start_time is not None:
            where.append(c.create_time >= query.start_time)
        if query.end_time is not None:
            where.append(c.create_time < query.end_time)
        return where

    async def chain(self, tenant: str, after_sequence: int, limit: int) -> Sequence[AuditEntry]:
        """Up to ``limit`` entries of ``tenant`` after ``after_sequence``, in sequence order."""
        c = self.table.c
        query = (sa.select(self.table).where(c.tenant == tenant, c.sequence > after_sequence)
                 .order_by(c.sequence).limit(limit))
        async with self.db.connect() as conn:
            rows = (await conn.execute(query)).mappings().all()
        return [self._from_row(r) for r in rows]
