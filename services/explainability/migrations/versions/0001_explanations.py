"""Create the explanations table.

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
        "explanations",
        sa.Column("tenant", sa.String(64), primary_key=True),
        sa.Column("id", sa.String(64), primary_key=True),
        sa.Column("create_time", sa.DateTime(timezone=True), nullable=False),
        sa.Column("update_time", sa.DateTime(timezone=True), nullable=False),
        sa.Column("etag", sa.String(32), nullable=False),
        sa.Column("subject", sa.String(1024), nullable=False),
        sa.Column("question", sa.Text, nullable=False),
        sa.Column("state", sa.String(32), nullable=False),
        sa.Column("answer", sa.Text, nullable=False),
        sa.Column("evidence", sa.JSON, nullable=False),
        sa.Column("trace_id", sa.String(32), nullable=False),
    )
    op.create_index("explanations_by_tenant_time", "explanations", ["tenant", "create_time"])


def downgrade() -> None:
    op.drop_index("explanations_by_tenant_time", table_name="explanations")
    op.drop_table("explanations")
