"""The tool-runner's tables and repositories; the only module of the service with SQL."""

from __future__ import annotations

import sqlalchemy as sa

from services.tool_runner.core.models import Tool, ToolRuntime, ToolState
from shared.database import DatabaseConnection, Repository, entity_columns, enum_column

metadata = sa.MetaData()


tools = sa.Table(
    "tools",
    metadata,
    *entity_columns(),
    sa.Column("display_name", sa.String(200), nullable=False),
    sa.Column("description", sa.Text, nullable=False),
    sa.Column("runtime", enum_column(ToolRuntime), nullable=False),
    sa.Column("entrypoint", sa.Text, nullable=False),
    sa.Column("input_schema", sa.Text, nullable=False),
    sa.Column("timeout", sa.Interval, nullable=True),
    sa.Column("allowed_hosts", sa.JSON, nullable=False),
    sa.Column("state", enum_column(ToolState), nullable=False),
    sa.Index("tools_by_tenant_time", "tenant", "create_time"),
)


def tool_repository(db: DatabaseConnection) -> Repository[Tool]:
    """Tools, tenant-scoped."""
    return Repository(db, tools, Tool, "tool")
