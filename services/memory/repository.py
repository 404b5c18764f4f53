"""The memory service's tables and repositories; the only module of the service with SQL."""

from __future__ import annotations

import dataclasses
import datetime as dt
import functools
from collections.abc import Mapping, Sequence
from typing import Any

import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncConnection

from services.memory.core.debug import Counted, Read
from services.memory.core.models import (
    JobReport,
    LifecyclePolicy,
    Memory,
    MemoryJob,
    MemoryJobKind,
    MemoryJobState,
    MemoryKind,
    MemoryState,
    Namespace,
    NamespaceKind,
    Usage,
)
from services.memory.core.quota import Quota
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
from shared.errors import AlreadyExists
from shared.resources.entity import new_etag
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
    sa.Column("tags", sa.JSON, nullable=False),
    sa.Column("source_agent", sa.String(64), nullable=False),
    sa.Column("source_goal", sa.String(256), nullable=False),
    sa.Column("source_task", sa.String(320), nullable=False),
    sa.Column("access_count", sa.BigInteger, nullable=False),
    sa.Column("access_time", UtcDateTime(), nullable=True),
    sa.Column("version", sa.BigInteger, nullable=False),
    sa.Column("state", enum_column(MemoryState), nullable=False),
    sa.Column("embedding_model", sa.String(128), nullable=False),
    sa.Column("embedding_dimensions", sa.Integer, nullable=False),
    sa.Column("vector", sa.LargeBinary, nullable=False),
    sa.Column("indexed", sa.Boolean, nullable=False),
    sa.Column("size_bytes", sa.Integer, nullable=False),
    sa.Column("deleted", sa.Boolean, nullable=False),
    sa.Column("merged_from", sa.JSON, nullable=False),
    sa.Column("merged_into", sa.String(64), nullable=False),
    sa.Index("memories_by_tenant_time", "tenant", "create_time"),
    sa.Index("memories_by_tenant_namespace_time", "tenant", "namespace", "create_time"),
    sa.Index("memories_not_indexed", "indexed"),
)

namespaces = sa.Table(
    "namespaces",
    metadata,
    *_namespace_entity_columns(),
    sa.Column("display_name", sa.String(200), nullable=False),
    sa.Column("readers", sa.JSON, nullable=False),
    sa.Column("writers", sa.JSON, nullable=False),
    sa.Column("admins", sa.JSON, nullable=False),
    sa.Column("lifecycle_policy", sa.String(256), nullable=False),
    sa.Column("kind", enum_column(NamespaceKind), nullable=False),
    sa.Column("max_memories", sa.Integer, nullable=False),
    sa.Column("max_bytes", sa.BigInteger, nullable=False),
    sa.Column("ranking", sa.JSON, nullable=False),
)

# Who read which memory when: the inspector's and the access statistics' source.
memory_reads = sa.Table(
    "memory_reads",
    metadata,
    sa.Column("tenant", sa.String(64), nullable=False),
    sa.Column("memory_id", sa.String(64), nullable=False),
    sa.Column("namespace", sa.String(NAMESPACE_ID_LENGTH), nullable=False),
    sa.Column("principal", sa.String(512), nullable=False),
    sa.Column("read_time", UtcDateTime(), nullable=False),
    sa.Index("memory_reads_by_memory", "tenant", "memory_id", "read_time"),
    sa.Index("memory_reads_by_time", "tenant", "read_time"),
)

lifecycle_policies = sa.Table(
    "lifecycle_policies",
    metadata,
    *entity_columns(),
    sa.Column("ttl", sa.Interval, nullable=True),
    sa.Column("max_memories", sa.Integer, nullable=False),
    sa.Column("decay", sa.Float, nullable=False),
    sa.Column("min_importance", sa.Float, nullable=False),
    sa.Column("archive_after", sa.Interval, nullable=True),
    sa.Column("summarize_after", sa.Interval, nullable=True),
    sa.Column("merge_similarity", sa.Float, nullable=False),
    sa.Index("lifecycle_policies_by_tenant_time", "tenant", "create_time"),
)


class ReportJson(sa.types.TypeDecorator[JobReport]):
    """A job's report as JSON (:meth:`JobReport.stored`)."""

    impl = sa.JSON
    cache_ok = True

    def process_bind_param(self, value: JobReport | None, dialect: Any) -> dict[str, Any] | None:
        return None if value is None else value.stored()

    def process_result_value(self, value: dict[str, Any] | None,
                             dialect: Any) -> JobReport | None:
        return None if value is None else JobReport.of(value)


# Lifecycle jobs: what each did so far (report) and where it is (checkpoint), so that a job
# run again after a crash resumes.
memory_jobs = sa.Table(
    "memory_jobs",
    metadata,
    *entity_columns(),
    sa.Column("kind", enum_column(MemoryJobKind), nullable=False),
    sa.Column("namespace", sa.String(NAMESPACE_ID_LENGTH), nullable=False),
    sa.Column("dry_run", sa.Boolean, nullable=False),
    sa.Column("scheduled", sa.Boolean, nullable=False),
    sa.Column("state", enum_column(MemoryJobState), nullable=False),
    sa.Column("report", ReportJson(), nullable=False),
    sa.Column("error", sa.Text, nullable=False),
    sa.Column("end_time", UtcDateTime(), nullable=True),
    sa.Column("as_of", UtcDateTime(), nullable=True),
    sa.Column("checkpoint", sa.JSON, nullable=False),
    sa.Index("memory_jobs_by_tenant_time", "tenant", "create_time"),
)


class MemoryRepository(Repository[Memory]):
    """Memories, tenant-scoped; deleted rows wait here until the index drops their vector."""

    async def insert(self, items: Sequence[Memory], quotas: Mapping[str, Quota]) -> list[Memory]:
        """Insert ``items`` in one transaction, within their namespaces' ``quotas``.

        Raises:
            AlreadyExists: An id is taken.
            ResourceExhausted: A namespace would exceed its quota.
        """
        stored = [dataclasses.replace(m, etag=new_etag()) for m in items]
        for memory in stored:
            self.check_tenant(memory.tenant)
        async with self.db.transaction() as conn:
            await self._check_quotas(conn, stored, quotas)
            try:
                await conn.execute(sa.insert(self.table), [self._to_row(m) for m in stored])
            except sa.exc.IntegrityError as error:
                raise AlreadyExists("a memory with that id already exists",
                                    reason="MEMORY_ALREADY_EXISTS") from error
        return stored

    async def _check_quotas(self, conn: AsyncConnection, items: Sequence[Memory],
                            quotas: Mapping[str, Quota]) -> None:
        adding: dict[str, tuple[int, int]] = {}
        for memory in items:
            count, size = adding.get(memory.namespace, (0, 0))
            adding[memory.namespace] = (count + 1, size + memory.size_bytes)
        tenant = items[0].tenant
        for namespace, (count, size) in adding.items():
            quota = quotas.get(namespace)
            if quota is None or not quota.limited:
                continue
            # The namespace's row lock orders concurrent writers to it (PostgreSQL).
            await conn.execute(sa.update(namespaces).where(
                namespaces.c.tenant == tenant, namespaces.c.id == namespace
            ).values(etag=namespaces.c.etag))
            quota.check(await usage_in(conn, tenant, namespace), count, size)

    async def get_many(self, tenant: str, ids: Sequence[str]) -> list[Memory]:
        """The memories of ``ids`` that exist (in no particular order)."""
        if not ids:
            return []
        self.check_tenant(tenant)
        async with self.db.connect() as conn:
            rows = (await conn.execute(self._select_many, {"k_tenant": tenant,
                                                           "k_ids": list(ids)})).mappings().all()
        return [self._from_row(r) for r in rows]

    @functools.cached_property
    def _select_many(self) -> sa.Select[Any]:
        # Built once: building a statement costs more than SQLite's answer.
        c = self.table.c
        return sa.select(self.table).where(
            c.tenant == sa.bindparam("k_tenant"),
            c.id.in_(sa.bindparam("k_ids", expanding=True)))

    async def in_namespace(self, tenant: str, namespace: str) -> list[Memory]:
        """Every memory of ``namespace`` not deleted (expired and archived ones too), oldest
        first (create_time, then id): what the lifecycle jobs judge."""
        self.check_tenant(tenant)
        c = self.table.c
        query = (sa.select(self.table)
                 .where(c.tenant == tenant, c.namespace == namespace, c.deleted.is_(False))
                 .order_by(c.create_time, c.id))
        async with self.db.connect() as conn:
            rows = (await conn.execute(query)).mappings().all()
        return [self._from_row(r) for r in rows]

    async def list_live(self, tenant: str, page: PageRequest, now: dt.datetime,
                        matching: Filter = MATCH_ALL,
                        namespaces_: Sequence[str] | None = None) -> Page[Memory]:
        """One page of ``tenant``'s memories not expired at ``now`` nor deleted that
        ``matching`` selects (in ``namespaces_`` when given), newest first."""
        c = self.table.c
        where = [sa.or_(c.expire_time.is_(None), c.expire_time > now), c.deleted.is_(False),
                 *filter_where(matching, self.table)]
        if namespaces_ is not None:
            where.append(c.namespace.in_(list(namespaces_)))
        return await self.list(tenant, page, where)

    async def pending(self, limit: int, before: dt.datetime | None = None) -> list[Memory]:
        """Rows the vector index has not caught up with (changed before ``before``, when
        given), oldest change first."""
        c = self.table.c
        query = sa.select(self.table).where(c.indexed.is_(False))
        if before is not None:
            query = query.where(c.update_time < before)
        query = query.order_by(c.update_time).limit(limit)
        async with self.db.connect() as conn:
            rows = (await conn.execute(query)).mappings().all()
        return [self._from_row(r) for r in rows]

    async def mark_indexed(self, items: Sequence[Memory]) -> None:
        """Mark rows the index now reflects, unless they changed since (their version);
        a deleted one's row goes."""
        c = self.table.c
        kept: dict[tuple[str, int], list[str]] = {}
        for memory in items:
            if not memory.deleted:
                kept.setdefault((memory.tenant, memory.version), []).append(memory.id)
        gone = [_key(m) for m in items if m.deleted]
        async with self.db.transaction() as conn:
            for (tenant, version), ids in kept.items():
                await conn.execute(sa.update(self.table).where(
                    c.tenant == tenant, c.version == version, c.id.in_(ids)
                ).values(indexed=True))
            if gone:
                await conn.execute(sa.delete(self.table).where(
                    c.tenant == sa.bindparam("k_tenant"), c.id == sa.bindparam("k_id"),
                    c.version == sa.bindparam("k_version")), gone)


def _key(memory: Memory) -> dict[str, Any]:
    return {"k_tenant": memory.tenant, "k_id": memory.id, "k_version": memory.version}


async def usage_in(conn: AsyncConnection, tenant: str, namespace: str) -> Usage:
    """What ``namespace`` holds (deleted memories waiting for the index count no more)."""
    c = memories.c
    row = (await conn.execute(
        sa.select(sa.func.count(), sa.func.coalesce(sa.func.sum(c.size_bytes), 0))
        .where(c.tenant == tenant, c.namespace == namespace, c.deleted.is_(False)))).one()
    return Usage(int(row[0]), int(row[1]))


class NamespaceRepository(Repository[Namespace]):
    """Namespaces, tenant-scoped, listed by id."""

    async def list_by_id(self, tenant: str, page: PageRequest) -> Page[Namespace]:
        """One page of ``tenant``'s namespaces in id order (the cursor's time is unused)."""
        c = self.table.c
        query = sa.select(self.table).where(c.tenant == tenant)
        if page.after is not None:
            query = query.where(c.id > page.after.id)
        return await self.fetch_page(query.order_by(c.id), page)

    async def all_of(self, tenant: str) -> list[Namespace]:
        """Every namespace of ``tenant``."""
        self.check_tenant(tenant)
        query = sa.select(self.table).where(self.table.c.tenant == tenant)
        async with self.db.connect() as conn:
            rows = (await conn.execute(query)).mappings().all()
        return [self._from_row(r) for r in rows]

    async def tenants_with_policies(self) -> list[str]:
        """The tenants (every tenant: the lifecycle schedule's work, outside any call) with a
        namespace governed by a lifecycle policy, in order."""
        c = self.table.c
        self.check_tenant("")  # a call acting in a tenant may not list the others
        query = (sa.select(c.tenant).where(c.lifecycle_policy != "").distinct()
                 .order_by(c.tenant))
        async with self.db.connect() as conn:
            return [str(t) for t in (await conn.execute(query)).scalars().all()]

    async def usage(self, tenant: str, namespace: str) -> Usage:
        """What ``namespace`` holds."""
        self.check_tenant(tenant)
        async with self.db.connect() as conn:
            return await usage_in(conn, tenant, namespace)


class ReadLog:
    """Reads of memories written in batches: access counts and times, and who read what;
    and the queries of the debug tools over them."""

    def __init__(self, db: DatabaseConnection) -> None:
        self.db = db

    async def latest(self, tenant: str, memory_id: str, limit: int) -> list[Read]:
        """The latest ``limit`` reads of one memory, newest first."""
        r = memory_reads.c
        query = (sa.select(memory_reads).where(r.tenant == tenant, r.memory_id == memory_id)
                 .order_by(r.read_time.desc()).limit(limit))
        return await self._reads(query)

    async def between(self, tenant: str, start: dt.datetime, end: dt.datetime) -> list[Read]:
        """The reads of ``tenant`` from ``start`` (included) to ``end`` (excluded)."""
        r = memory_reads.c
        query = sa.select(memory_reads).where(r.tenant == tenant, r.read_time >= start,
                                              r.read_time < end)
        return await self._reads(query)

    async def counts(self, tenant: str, since: dt.datetime, by: str, top: int
                     ) -> list[Counted]:
        """Reads since ``since`` per ``by`` (namespace, memory or principal), most first."""
        r = memory_reads.c
        column = {"namespace": r.namespace, "memory": r.memory_id, "principal": r.principal}[by]
        reads = sa.func.count().label("reads")
        query = (sa.select(column, reads).where(r.tenant == tenant, r.read_time >= since)
                 .group_by(column).order_by(reads.desc(), column).limit(top))
        async with self.db.connect() as conn:
            rows = (await conn.execute(query)).all()
        return [Counted(str(key), int(count)) for key, count in rows]

    async def unread(self, tenant: str, since: dt.datetime) -> int:
        """Live memories of ``tenant`` not read since ``since``."""
        c, r = memories.c, memory_reads.c
        read = sa.select(r.memory_id).where(r.tenant == tenant, r.read_time >= since)
        query = sa.select(sa.func.count()).select_from(memories).where(
            c.tenant == tenant, c.deleted.is_(False), c.id.not_in(read))
        async with self.db.connect() as conn:
            return int((await conn.execute(query)).scalar_one())

    async def _reads(self, query: sa.Select[Any]) -> list[Read]:
        async with self.db.connect() as conn:
            rows = (await conn.execute(query)).mappings().all()
        return [Read(row["tenant"], row["memory_id"], row["namespace"], row["principal"],
                     row["read_time"]) for row in rows]

    async def write(self, reads: Sequence[tuple[Memory, str, dt.datetime]]) -> None:
        """Record ``reads`` (memory, principal, time) in one transaction."""
        if not reads:
            return
        counts: dict[tuple[str, str], tuple[int, dt.datetime]] = {}
        for memory, _, when in reads:
            count, last = counts.get((memory.tenant, memory.id), (0, when))
            counts[(memory.tenant, memory.id)] = (count + 1, max(last, when))
        c = memories.c
        bump = sa.update(memories).where(
            c.tenant == sa.bindparam("k_tenant"), c.id == sa.bindparam("k_id")
        ).values(access_count=c.access_count + sa.bindparam("k_count"),
                 access_time=sa.bindparam("k_time"))
        async with self.db.transaction() as conn:
            await conn.execute(bump, [
                {"k_tenant": t, "k_id": i, "k_count": n, "k_time": when}
                for (t, i), (n, when) in counts.items()])
            await conn.execute(sa.insert(memory_reads), [
                {"tenant": m.tenant, "memory_id": m.id, "namespace": m.namespace,
                 "principal": principal[:512], "read_time": when}
                for m, principal, when in reads])


def memory_repository(db: DatabaseConnection) -> MemoryRepository:
    """Memories, tenant-scoped."""
    return MemoryRepository(db, memories, Memory, "memory")


def namespace_repository(db: DatabaseConnection) -> NamespaceRepository:
    """Namespaces, tenant-scoped."""
    return NamespaceRepository(db, namespaces, Namespace, "namespace")


def policy_repository(db: DatabaseConnection) -> Repository[LifecyclePolicy]:
    """Lifecycle policies, tenant-scoped, newest first."""
    return Repository(db, lifecycle_policies, LifecyclePolicy, "lifecycle_policy")


def job_repository(db: DatabaseConnection) -> Repository[MemoryJob]:
    """Lifecycle jobs, tenant-scoped, newest first."""
    return Repository(db, memory_jobs, MemoryJob, "memory_job")
