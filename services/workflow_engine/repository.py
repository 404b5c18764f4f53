"""The workflow-engine's tables and repositories; the only module of the service with SQL."""

from __future__ import annotations

import dataclasses
from typing import Any

import sqlalchemy as sa
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncConnection

from services.workflow_engine.core.models import Workflow, WorkflowState
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
from shared.database.pagination import Cursor
from shared.database.repository import new_etag
from shared.errors import Aborted, AlreadyExists, InvalidArgument

metadata = sa.MetaData()


workflows = sa.Table(
    "workflows",
    metadata,
    *entity_columns(),
    sa.Column("display_name", sa.String(200), nullable=False),
    sa.Column("definition_yaml", sa.Text, nullable=False),
    sa.Column("version", sa.Integer, nullable=False),
    sa.Column("schedule", sa.String(128), nullable=False),
    sa.Column("state", enum_column(WorkflowState), nullable=False),
    sa.Index("workflows_by_tenant_time", "tenant", "create_time"),
)

# Every version of every workflow: the workflow as it was when that version was stored.
workflow_revisions = sa.Table(
    "workflow_revisions",
    metadata,
    sa.Column("tenant", sa.String(64), primary_key=True),
    sa.Column("workflow_id", sa.String(64), primary_key=True),
    sa.Column("version", sa.Integer, primary_key=True),
    sa.Column("display_name", sa.String(200), nullable=False),
    sa.Column("definition_yaml", sa.Text, nullable=False),
    sa.Column("schedule", sa.String(128), nullable=False),
    sa.Column("state", enum_column(WorkflowState), nullable=False),
    sa.Column("create_time", UtcDateTime(), nullable=False),
    sa.Column("update_time", UtcDateTime(), nullable=False),
    sa.ForeignKeyConstraint(["tenant", "workflow_id"], ["workflows.tenant", "workflows.id"],
                            name="workflow_revisions_workflow_fk"),
)

_REVISION_FIELDS = ("tenant", "version", "display_name", "definition_yaml", "schedule", "state",
                    "create_time", "update_time")


class WorkflowRepository(Repository[Workflow]):
    """Workflows, tenant-scoped; each new version is also written to ``workflow_revisions``
    in the same transaction, and deleting a workflow deletes its revisions."""

    def __init__(self, db: DatabaseConnection) -> None:
        super().__init__(db, workflows, Workflow, "workflow")

    async def _store_revision(self, conn: AsyncConnection, workflow: Workflow) -> None:
        r = workflow_revisions.c
        stored = (await conn.execute(sa.select(r.version).where(
            r.tenant == workflow.tenant, r.workflow_id == workflow.id,
            r.version == workflow.version))).first()
        if stored is None:
            row: dict[str, Any] = {f: getattr(workflow, f) for f in _REVISION_FIELDS}
            await conn.execute(sa.insert(workflow_revisions).values(
                workflow_id=workflow.id, **row))

    async def create(self, entity: Workflow) -> Workflow:
        """Insert ``entity`` and its first revision.

        Raises:
            AlreadyExists: ``tenant``/``id`` is taken.
        """
        created = dataclasses.replace(entity, etag=new_etag())
        try:
            async with self.db.transaction() as conn:
                await conn.execute(sa.insert(self.table).values(self._to_row(created)))
                await self._store_revision(conn, created)
        except IntegrityError as error:
            raise AlreadyExists(f"workflow {entity.id!r} already exists",
                                reason="WORKFLOW_ALREADY_EXISTS",
                                metadata={"id": entity.id}) from error
        return created

    async def update(self, entity: Workflow, expected_etag: str = "") -> Workflow:
        """Replace the stored workflow, storing a revision when its version is new.

        Raises:
            NotFound: No such workflow in this tenant.
            Aborted: ``expected_etag`` is set and the stored workflow changed since.
        """
        updated = dataclasses.replace(entity, etag=new_etag(), update_time=utc_now())
        values = self._to_row(updated)
        for key in ("tenant", "id", "create_time"):
            values.pop(key)
        condition = self._key(entity.tenant, entity.id)
        if expected_etag:
            condition = sa.and_(condition, self.table.c.etag == expected_etag)
        async with self.db.transaction() as conn:
            result = await conn.execute(sa.update(self.table).where(condition).values(values))
            if result.rowcount == 0:
                exists = (await conn.execute(sa.select(self.table.c.id).where(
                    self._key(entity.tenant, entity.id)))).first()
                if exists is None:
                    raise self._not_found(entity.id)
                raise Aborted(f"workflow {entity.id!r} was changed concurrently (etag mismatch)",
                              reason="ETAG_MISMATCH")
            await self._store_revision(conn, updated)
        return updated

    async def delete(self, tenant: str, id_: str) -> None:
        """Delete workflow ``id_`` of ``tenant`` and its revisions.

        Raises:
            NotFound: No such workflow in this tenant.
        """
        r = workflow_revisions.c
        async with self.db.transaction() as conn:
            await conn.execute(sa.delete(workflow_revisions).where(
                r.tenant == tenant, r.workflow_id == id_))
            result = await conn.execute(sa.delete(self.table).where(self._key(tenant, id_)))
            if result.rowcount == 0:
                raise self._not_found(id_)

    async def revisions(self, tenant: str, workflow_id: str,
                        page: PageRequest) -> Page[Workflow]:
        """One page of a workflow's stored versions, highest version first."""
        r = workflow_revisions.c
        query = sa.select(workflow_revisions).where(r.tenant == tenant,
                                                    r.workflow_id == workflow_id)
        if page.after is not None:
            query = query.where(r.version < _version_of(page.after))
        query = query.order_by(r.version.desc()).limit(page.size + 1)
        async with self.db.connect() as conn:
            rows = (await conn.execute(query)).mappings().all()
        items = [Workflow(id=workflow_id, etag="", **{f: row[f] for f in _REVISION_FIELDS})
                 for row in rows[: page.size]]
        token = ""
        if len(rows) > page.size:
            token = Cursor(items[-1].update_time, str(items[-1].version)).encode()
        return Page(items, token)


def _version_of(cursor: Cursor) -> int:
    """The version a revisions page token stops at (its id slot holds the version)."""
    try:
        return int(cursor.id)
    except ValueError as error:
        raise InvalidArgument.for_field("page_token", "not a valid page token") from error
