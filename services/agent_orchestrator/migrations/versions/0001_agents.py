"""Create the agents table.

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
        "agents",
        sa.Column("tenant", sa.String(64), primary_key=True),
        sa.Column("id", sa.String(64), primary_key=True),
        sa.Column("create_time", sa.DateTime(timezone=True), nullable=False),
        sa.Column("update_time", sa.DateTime(timezone=True), nullable=False),
        sa.Column("etag", sa.String(32), nullable=False),
        sa.Column("display_name", sa.String(200), nullable=False),
        sa.Column("role", sa.String(64), nullable=False),
        sa.Column("capabilities", sa.JSON, nullable=False),
        sa.Column("max_concurrency", sa.Integer, nullable=False),
        sa.Column("assignment_strategy", sa.String(32), nullable=False),
        sa.Column("failure_strategy", sa.String(32), nullable=False),
        sa.Column("state", sa.String(32), nullable=False),
        sa.Column("last_heartbeat_time", sa.DateTime(timezone=True), nullable=False),
        sa.Column("active_assignments", sa.Integer, nullable=False),
    )
    op.create_index("agents_by_tenant_time", "agents", ["tenant", "create_time"])


def downgrade() -> None:
    op.drop_index("agents_by_tenant_time", table_name="agents")
    op.drop_table("agents")
