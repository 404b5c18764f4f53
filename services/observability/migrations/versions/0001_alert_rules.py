"""Create the alert_rules table.

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
        "alert_rules",
        sa.Column("tenant", sa.String(64), primary_key=True),
        sa.Column("id", sa.String(64), primary_key=True),
        sa.Column("create_time", sa.DateTime(timezone=True), nullable=False),
        sa.Column("update_time", sa.DateTime(timezone=True), nullable=False),
        sa.Column("etag", sa.String(32), nullable=False),
        sa.Column("display_name", sa.String(200), nullable=False),
        sa.Column("metric", sa.String(200), nullable=False),
        sa.Column("comparison", sa.String(32), nullable=False),
        sa.Column("threshold", sa.Double, nullable=False),
        sa.Column("for_duration", sa.Interval, nullable=False),
        sa.Column("severity", sa.String(32), nullable=False),
        sa.Column("state", sa.String(32), nullable=False),
    )
    op.create_index("alert_rules_by_tenant_time", "alert_rules", ["tenant", "create_time"])


def downgrade() -> None:
    op.drop_index("alert_rules_by_tenant_time", table_name="alert_rules")
    op.drop_table("alert_rules")
