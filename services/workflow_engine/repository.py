"""The workflow-engine's tables and repositories; the only module of the service with SQL."""

from __future__ import annotations

from typing import Any

import sqlalchemy as sa
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
)
from shared.errors import InvalidArgument
from shared.resources.pages import Cursor

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

    async def _written(self, conn: AsyncConnection, workflow: Workflow) -> None:
        """Store the workflow's version as a revision, unless that version is stored."""
        r = workflow_revisions.c
        stored = (await conn.execute(sa.select(r.version).where(
            r.tenant == workflow.tenant, r.workflow_id == workflow.id,
            r.version == workflow.version))).first()
        if stored is None:
            row: dict[str, Any] = {f: getattr(workflow, f) for f in _REVISION_FIELDS}
            await conn.execute(sa.insert(workflow_revisions).values(
                workflow_id=workflow.id, **row))

    async def _deleting(self, conn: AsyncConnection, tenant: str, id_: str) -> None:
        """A workflow's revisions go with it."""
        r = workflow_revisions.c
        await conn.execute(sa.delete(workflow_revisions).where(
            r.tenant == tenant, r.workflow_id == id_))

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
