"""Create the tools table.

Revision ID: 0001
Revises:
Create Date: 2026-11-25
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0001"
down_revision = None
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "tools",
        sa.Column("tenant", sa.String(64), primary_key=True),
        sa.Column("id", sa.String(64), primary_key=True),
        sa.Column("create_time", sa.DateTime(timezone=True), nullable=False),
        sa.Column("update_time", sa.DateTime(timezone=True), nullable=False),
        sa.Column("etag", sa.String(32), nullable=False),
        sa.Column("display_name", sa.String(200), nullable=False),
        sa.Column("description", sa.Text, nullable=False),
        sa.Column("runtime", sa.String(32), nullable=False),
        sa.Column("entrypoint", sa.Text, nullable=False),
        sa.Column("input_schema", sa.Text, nullable=False),
        sa.Column("timeout", sa.Interval, nullable=True),
        sa.Column("allowed_hosts", sa.JSON, nullable=False),
        sa.Column("state", sa.String(32), nullable=False),
    )
    op.create_index("tools_by_tenant_time", "tools", ["tenant", "create_time"])


def downgrade() -> None:
    op.drop_index("tools_by_tenant_time", table_name="tools")
    op.drop_table("tools")
