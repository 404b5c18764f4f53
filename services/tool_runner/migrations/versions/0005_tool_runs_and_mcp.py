"""Tools gain output schemas, permissions and MCP origins; tool runs and MCP servers.

Revision ID: 0005
Revises: 0004
Create Date: 2026-12-07
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0005"
down_revision = "0004"
branch_labels = None
depends_on = None


def _entity_columns() -> list[sa.Column[object]]:
    return [
        sa.Column("tenant", sa.String(64), primary_key=True),
        sa.Column("id", sa.String(64), primary_key=True),
        sa.Column("create_time", sa.DateTime(timezone=True), nullable=False),
        sa.Column("update_time", sa.DateTime(timezone=True), nullable=False),
        sa.Column("etag", sa.String(32), nullable=False),
    ]


def upgrade() -> None:
    with op.batch_alter_table("tools") as table:
        table.add_column(sa.Column("output_schema", sa.Text, nullable=False, server_default=""))
        table.add_column(sa.Column("required_scopes", sa.JSON, nullable=False,
                                   server_default="[]"))
        table.add_column(sa.Column("agent_types", sa.JSON, nullable=False, server_default="[]"))
        table.add_column(sa.Column("idempotent", sa.Boolean, nullable=False,
                                   server_default=sa.false()))
        table.add_column(sa.Column("http_method", sa.String(8), nullable=False,
                                   server_default=""))
        table.add_column(sa.Column("mcp_server", sa.String(64), nullable=False,
                                   server_default=""))
    op.create_table(
        "tool_runs",
        *_entity_columns(),
        sa.Column("tool", sa.String(64), nullable=False),
        sa.Column("input", sa.Text, nullable=False),
        sa.Column("state", sa.String(32), nullable=False),
        sa.Column("output", sa.Text, nullable=False),
        sa.Column("stderr", sa.Text, nullable=False),
        sa.Column("exit_code", sa.Integer, nullable=False),
        sa.Column("error_message", sa.Text, nullable=False),
        sa.Column("start_time", sa.DateTime(timezone=True), nullable=True),
        sa.Column("end_time", sa.DateTime(timezone=True), nullable=True),
        sa.Column("goal", sa.String(256), nullable=False),
        sa.Column("task", sa.String(512), nullable=False),
        sa.Column("agent", sa.String(256), nullable=False),
        sa.Column("agent_type", sa.String(64), nullable=False),
        sa.Column("creator", sa.String(256), nullable=False),
        sa.Column("sandbox_layers", sa.JSON, nullable=False),
        sa.Column("output_truncated", sa.Boolean, nullable=False),
    )
    op.create_index("tool_runs_by_tenant_time", "tool_runs", ["tenant", "create_time"])
    op.create_index("tool_runs_by_task", "tool_runs", ["tenant", "task"])
    op.create_table(
        "mcp_servers",
        *_entity_columns(),
        sa.Column("display_name", sa.String(200), nullable=False),
        sa.Column("transport", sa.String(32), nullable=False),
        sa.Column("command", sa.Text, nullable=False),
        sa.Column("args", sa.JSON, nullable=False),
        sa.Column("url", sa.Text, nullable=False),
        sa.Column("required_scopes", sa.JSON, nullable=False),
        sa.Column("agent_types", sa.JSON, nullable=False),
        sa.Column("tools", sa.JSON, nullable=False),
        sa.Column("sync_time", sa.DateTime(timezone=True), nullable=True),
    )
    op.create_index("mcp_servers_by_tenant_time", "mcp_servers", ["tenant", "create_time"])


def downgrade() -> None:
    op.drop_index("mcp_servers_by_tenant_time", table_name="mcp_servers")
    op.drop_table("mcp_servers")
    op.drop_index("tool_runs_by_task", table_name="tool_runs")
    op.drop_index("tool_runs_by_tenant_time", table_name="tool_runs")
    op.drop_table("tool_runs")
    with op.batch_alter_table("tools") as table:
        for column in ("mcp_server", "http_method", "idempotent", "agent_types",
                       "required_scopes", "output_schema"):
            table.drop_column(column)
