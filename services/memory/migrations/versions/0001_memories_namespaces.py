"""Create the memories and namespaces tables.

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
        "memories",
        sa.Column("tenant", sa.String(64), primary_key=True),
        sa.Column("id", sa.String(64), primary_key=True),
        sa.Column("create_time", sa.DateTime(timezone=True), nullable=False),
        sa.Column("update_time", sa.DateTime(timezone=True), nullable=False),
        sa.Column("etag", sa.String(32), nullable=False),
        sa.Column("namespace", sa.String(128), nullable=False),
        sa.Column("content", sa.Text, nullable=False),
        sa.Column("kind", sa.String(32), nullable=False),
        sa.Column("importance", sa.Float, nullable=False),
        sa.Column("metadata", sa.JSON, nullable=False),
        sa.Column("expire_time", sa.DateTime(timezone=True), nullable=True),
    )
    op.create_index("memories_by_tenant_time", "memories", ["tenant", "create_time"])
    op.create_index("memories_by_tenant_namespace_time", "memories",
                    ["tenant", "namespace", "create_time"])
    op.create_table(
        "namespaces",
        sa.Column("tenant", sa.String(64), primary_key=True),
        sa.Column("id", sa.String(128), primary_key=True),
        sa.Column("create_time", sa.DateTime(timezone=True), nullable=False),
        sa.Column("update_time", sa.DateTime(timezone=True), nullable=False),
        sa.Column("etag", sa.String(32), nullable=False),
        sa.Column("display_name", sa.String(200), nullable=False),
        sa.Column("readers", sa.JSON, nullable=False),
        sa.Column("writers", sa.JSON, nullable=False),
        sa.Column("lifecycle_policy", sa.String(256), nullable=False),
    )


def downgrade() -> None:
    op.drop_table("namespaces")
    op.drop_index("memories_by_tenant_namespace_time", table_name="memories")
    op.drop_index("memories_by_tenant_time", table_name="memories")
    op.drop_table("memories")
