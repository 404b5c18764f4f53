"""The audit-log's tables and repositories; the only module of the service with SQL.

Appends to a tenant's chain are serialized on its row of ``chain_heads``, which is updated in
the same transaction as the entries it points to: on PostgreSQL the row is locked with
``SELECT ... FOR UPDATE``; on SQLite the first statement of the transaction is a write, which
takes the database's write lock until commit.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
from collections.abc import AsyncIterator, Sequence
from contextlib import asynccontextmanager
from typing import Any

import sqlalchemy as sa
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncConnection

from services.audit_log.core.chain import GENESIS
from services.audit_log.core.models import (
    AuditEntry,
    AuditQuery,
    ChainPosition,
    Outcome,
    RetentionPolicy,
)
from shared.database import (
    DatabaseConnection,
    Page,
    PageRequest,
    Repository,
    UtcDateTime,
    entity_columns,
    enum_column,
    utc_now,
)
from shared.database.filter_sql import filter_where
from shared.errors import Aborted
from shared.resources.entity import new_etag
from shared.resources.pages import Cursor

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
    sa.Column("on_behalf_of", sa.String(256), nullable=False),
    sa.Column("recorded_by", sa.String(256), nullable=False),
    sa.Column("sequence", sa.BigInteger, nullable=False),
    sa.Column("previous_hash", sa.String(64), nullable=False),
    sa.Column("hash", sa.String(64), nullable=False),
    # Unique, so two appends can never both take the same position.
    sa.Index("audit_entries_by_tenant_sequence", "tenant", "sequence", unique=True),
    sa.Index("audit_entries_by_tenant_resource", "tenant", "resource"),
)

# The last entry of each tenant's chain; its row is the lock appends take.
chain_heads = sa.Table(
    "chain_heads",
    metadata,
    sa.Column("tenant", sa.String(64), primary_key=True),
    sa.Column("sequence", sa.BigInteger, nullable=False),
    sa.Column("hash", sa.String(64), nullable=False),
    sa.Column("entry_id", sa.String(64), nullable=False),
)

# The last purged entry of each tenant: where verification of the remaining chain starts.
purge_checkpoints = sa.Table(
    "purge_checkpoints",
    metadata,
    sa.Column("tenant", sa.String(64), primary_key=True),
    sa.Column("sequence", sa.BigInteger, nullable=False),
    sa.Column("hash", sa.String(64), nullable=False),
    sa.Column("purge_time", UtcDateTime(), nullable=False),
)

retention_policies = sa.Table(
    "retention_policies",
    metadata,
    *entity_columns(),
    sa.Column("retain", sa.Interval, nullable=False),
)


class ChainAppend:
    """One append transaction on a tenant's chain, with its head locked until commit.

    Attributes:
        head: The tenant's chain head when the lock was taken.
    """

    def __init__(self, entries: AuditEntryRepository, conn: AsyncConnection, tenant: str,
                 head: ChainPosition) -> None:
        self._entries = entries
        self._conn = conn
        self._tenant = tenant
        self.head = head

    async def stored(self, ids: Sequence[str]) -> dict[str, AuditEntry]:
        """The tenant's entries among ``ids``, by id."""
        c = audit_entries.c
        rows = (await self._conn.execute(sa.select(audit_entries).where(
            c.tenant == self._tenant, c.id.in_(list(ids))))).mappings().all()
        return {row["id"]: self._entries.from_row(row) for row in rows}

    async def insert(self, linked: Sequence[AuditEntry]) -> list[AuditEntry]:
        """Insert entries linked after :attr:`head` (one executemany) and move the head.

        Raises:
            Aborted: An entry's id or sequence is taken (the head was out of step).
        """
        if not linked:
            return []
        stored = [dataclasses.replace(e, etag=new_etag()) for e in linked]
        try:
            await self._conn.execute(sa.insert(audit_entries),
                                     [self._entries.to_row(e) for e in stored])
        except IntegrityError as error:
            raise Aborted(f"audit log of {self._tenant!r} changed under its head lock; retry",
                          reason="CHAIN_HEAD_STALE") from error
        last = stored[-1]
        await self._conn.execute(sa.update(chain_heads).where(
            chain_heads.c.tenant == self._tenant).values(
            sequence=last.sequence, hash=last.hash, entry_id=last.id))
        self.head = ChainPosition(last.sequence, last.hash, last.id)
        return stored


class AuditEntryRepository(Repository[AuditEntry]):
    """Audit entries, tenant-scoped, ordered by their position in the tenant's chain."""

    def __init__(self, db: DatabaseConnection) -> None:
        super().__init__(db, audit_entries, AuditEntry, "audit entry")

    def to_row(self, entry: AuditEntry) -> dict[str, Any]:
        return self._to_row(entry)

    def from_row(self, row: sa.RowMapping) -> AuditEntry:
        return self._from_row(row)

    def _insert_if_missing(self, table: sa.Table, **values: Any) -> sa.Insert:
        """INSERT ... ON CONFLICT (tenant) DO NOTHING, in the backend's dialect."""
        if self.db.is_postgresql:
            return postgresql.insert(table).values(**values).on_conflict_do_nothing(
                index_elements=["tenant"])
        return sqlite.insert(table).values(**values).on_conflict_do_nothing(
            index_elements=["tenant"])

    @asynccontextmanager
    async def appending(self, tenant: str) -> AsyncIterator[ChainAppend]:
        """A transaction holding ``tenant``'s chain head locked; committed when the block ends,
        rolled back when it raises."""
        h = chain_heads.c
        async with self.db.transaction() as conn:
            # A write first: it creates the head of a new tenant and, on SQLite, takes the
            # database's write lock for the whole transaction (BEGIN IMMEDIATE semantics).
            await conn.execute(self._insert_if_missing(
                chain_heads, tenant=tenant, sequence=GENESIS.sequence, hash=GENESIS.hash,
                entry_id=GENESIS.entry_id))
            query = sa.select(h.sequence, h.hash, h.entry_id).where(h.tenant == tenant)
            if self.db.is_postgresql:
                query = query.with_for_update()
            row = (await conn.execute(query)).one()
            yield ChainAppend(self, conn, tenant, ChainPosition(row.sequence, row.hash,
                                                                 row.entry_id))

    async def head(self, tenant: str) -> ChainPosition:
        """``tenant``'s chain head, or the genesis position when it has no entries yet."""
        h = chain_heads.c
        async with self.db.connect() as conn:
            row = (await conn.execute(sa.select(h.sequence, h.hash, h.entry_id).where(
                h.tenant == tenant))).first()
        return GENESIS if row is None else ChainPosition(row.sequence, row.hash, row.entry_id)

    async def checkpoint(self, tenant: str) -> ChainPosition:
        """The last purged entry of ``tenant``, or the genesis position when none was."""
        p = purge_checkpoints.c
        async with self.db.connect() as conn:
            row = (await conn.execute(sa.select(p.sequence, p.hash).where(
                p.tenant == tenant))).first()
        return GENESIS if row is None else ChainPosition(row.sequence, row.hash)

    async def last_sequence_before(self, tenant: str, cutoff: dt.datetime) -> int:
        """The highest sequence of ``tenant``'s entries created before ``cutoff`` (0: none)."""
        c = self.table.c
        query = sa.select(sa.func.max(c.sequence)).where(c.tenant == tenant,
                                                         c.create_time < cutoff)
        async with self.db.connect() as conn:
            return int((await conn.execute(query)).scalar_one() or 0)

    async def purge(self, tenant: str, expected: ChainPosition, upto: ChainPosition) -> int:
        """Delete ``tenant``'s entries up to ``upto`` and make it the checkpoint, unless another
        purge moved the checkpoint away from ``expected`` first.

        Returns:
            How many entries were deleted (0 when another purge won).
        """
        p = purge_checkpoints.c
        now = utc_now()
        async with self.db.transaction() as conn:
            await conn.execute(self._insert_if_missing(
                purge_checkpoints, tenant=tenant, sequence=GENESIS.sequence, hash=GENESIS.hash,
                purge_time=now))
            # Compare-and-set: concurrent purgers (replicas) move the checkpoint once.
            moved = await conn.execute(sa.update(purge_checkpoints).where(
                p.tenant == tenant, p.sequence == expected.sequence).values(
                sequence=upto.sequence, hash=upto.hash, purge_time=now))
            if moved.rowcount == 0:
                return 0
            c = self.table.c
            deleted = await conn.execute(sa.delete(self.table).where(
                c.tenant == tenant, c.sequence <= upto.sequence))
            return int(deleted.rowcount)

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
        where = filter_where(query.matching, self.table)
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


class RetentionPolicyRepository(Repository[RetentionPolicy]):
    """Each tenant's stored retention policy (at most one)."""

    def __init__(self, db: DatabaseConnection) -> None:
        super().__init__(db, retention_policies, RetentionPolicy, "retention policy")

    async def find(self, tenant: str, policy_id: str) -> RetentionPolicy | None:
        """The stored policy, or None when the tenant never set one."""
        async with self.db.connect() as conn:
            row = (await conn.execute(sa.select(self.table).where(
                self._key(tenant, policy_id)))).mappings().first()
        return None if row is None else self._from_row(row)

    async def limited(self) -> list[RetentionPolicy]:
        """Every stored policy (all of which limit retention), by tenant."""
        async with self.db.connect() as conn:
            rows = (await conn.execute(sa.select(self.table).order_by(self.table.c.tenant))
                    ).mappings().all()
        return [self._from_row(r) for r in rows]
