"""Create the experiments table.

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
        "experiments",
        sa.Column("tenant", sa.String(64), primary_key=True),
        sa.Column("id", sa.String(64), primary_key=True),
        sa.Column("create_time", sa.DateTime(timezone=True), nullable=False),
        sa.Column("update_time", sa.DateTime(timezone=True), nullable=False),
        sa.Column("etag", sa.String(32), nullable=False),
        sa.Column("display_name", sa.String(200), nullable=False),
        sa.Column("role", sa.String(64), nullable=False),
        sa.Column("variants", sa.JSON, nullable=False),
        sa.Column("state", sa.String(32), nullable=False),
    )
    op.create_index("experiments_by_tenant_time", "experiments", ["tenant", "create_time"])
    op.create_index("experiments_by_tenant_role", "experiments", ["tenant", "role"])


def downgrade() -> None:
    op.drop_index("experiments_by_tenant_role", table_name="experiments")
    op.drop_index("experiments_by_tenant_time", table_name="experiments")
    op.drop_table("experiments")
