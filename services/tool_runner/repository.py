"""The tool-runner's tables and repositories; the only module of the service with SQL."""

from __future__ import annotations

import datetime as dt

import sqlalchemy as sa

from services.tool_runner.core.models import (
    McpServer,
    McpTransport,
    Tool,
    ToolRun,
    ToolRunState,
    ToolRuntime,
    ToolState,
)
from shared.database import (
    DatabaseConnection,
    Repository,
    UtcDateTime,
    entity_columns,
    enum_column,
)
from shared.resources.entity import utc_now

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
    sa.Column("output_schema", sa.Text, nullable=False),
    sa.Column("required_scopes", sa.JSON, nullable=False),
    sa.Column("agent_types", sa.JSON, nullable=False),
    sa.Column("idempotent", sa.Boolean, nullable=False),
    sa.Column("http_method", sa.String(8), nullable=False),
    sa.Column("mcp_server", sa.String(64), nullable=False),
    sa.Index("tools_by_tenant_time", "tenant", "create_time"),
)

tool_runs = sa.Table(
    "tool_runs",
    metadata,
    *entity_columns(),
    sa.Column("tool", sa.String(64), nullable=False),
    sa.Column("input", sa.Text, nullable=False),
    sa.Column("state", enum_column(ToolRunState), nullable=False),
    sa.Column("output", sa.Text, nullable=False),
    sa.Column("stderr", sa.Text, nullable=False),
    sa.Column("exit_code", sa.Integer, nullable=False),
    sa.Column("error_message", sa.Text, nullable=False),
    sa.Column("start_time", UtcDateTime(), nullable=True),
    sa.Column("end_time", UtcDateTime(), nullable=True),
    sa.Column("goal", sa.String(256), nullable=False),
    sa.Column("task", sa.String(512), nullable=False),
    sa.Column("agent", sa.String(256), nullable=False),
    sa.Column("agent_type", sa.String(64), nullable=False),
    sa.Column("creator", sa.String(256), nullable=False),
    sa.Column("sandbox_layers", sa.JSON, nullable=False),
    sa.Column("output_truncated", sa.Boolean, nullable=False),
    sa.Index("tool_runs_by_tenant_time", "tenant", "create_time"),
    sa.Index("tool_runs_by_task", "tenant", "task"),
)

mcp_servers = sa.Table(
    "mcp_servers",
    metadata,
    *entity_columns(),
    sa.Column("display_name", sa.String(200), nullable=False),
    sa.Column("transport", enum_column(McpTransport), nullable=False),
    sa.Column("command", sa.Text, nullable=False),
    sa.Column("args", sa.JSON, nullable=False),
    sa.Column("url", sa.Text, nullable=False),
    sa.Column("required_scopes", sa.JSON, nullable=False),
    sa.Column("agent_types", sa.JSON, nullable=False),
    sa.Column("tools", sa.JSON, nullable=False),
    sa.Column("sync_time", UtcDateTime(), nullable=True),
    sa.Index("mcp_servers_by_tenant_time", "tenant", "create_time"),
)


def tool_repository(db: DatabaseConnection) -> Repository[Tool]:
    """Tools, tenant-scoped."""
    return Repository(db, tools, Tool, "tool")


class ToolRunRepository(Repository[ToolRun]):
    """Tool runs, tenant-scoped, and the unfinished runs of every tenant."""

    async def unfinished(self, older_than: dt.timedelta) -> list[ToolRun]:
        """Runs still QUEUED or RUNNING that were created ``older_than`` ago."""
        query = sa.select(self.table).where(
            self.table.c.state.in_([ToolRunState.QUEUED, ToolRunState.RUNNING]),
            self.table.c.create_time < utc_now() - older_than).limit(1000)
        async with self.db.connect() as conn:
            rows = (await conn.execute(query)).mappings().all()
        return [self._from_row(row) for row in rows]


def tool_run_repository(db: DatabaseConnection) -> ToolRunRepository:
    """Tool runs, tenant-scoped."""
    return ToolRunRepository(db, tool_runs, ToolRun, "tool_run")


def mcp_server_repository(db: DatabaseConnection) -> Repository[McpServer]:
    """MCP servers, tenant-scoped."""
    return Repository(db, mcp_servers, McpServer, "mcp_server")

