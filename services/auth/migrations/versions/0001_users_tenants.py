"""Create the users and tenants tables.

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
        "users",
        sa.Column("tenant", sa.String(64), primary_key=True),
        sa.Column("id", sa.String(64), primary_key=True),
        sa.Column("create_time", sa.DateTime(timezone=True), nullable=False),
        sa.Column("update_time", sa.DateTime(timezone=True), nullable=False),
        sa.Column("etag", sa.String(32), nullable=False),
        sa.Column("display_name", sa.String(200), nullable=False),
        sa.Column("email", sa.String(320), nullable=False),
        sa.Column("roles", sa.JSON, nullable=False),
        sa.Column("state", sa.String(32), nullable=False),
        sa.Column("password_hash", sa.String(256), nullable=True),
    )
    op.create_index("users_by_tenant_time", "users", ["tenant", "create_time"])
    op.create_index("users_by_tenant_email", "users", ["tenant", "email"], unique=True)
    op.create_table(
        "tenants",
        sa.Column("tenant", sa.String(64), primary_key=True),
        sa.Column("id", sa.String(64), primary_key=True),
        sa.Column("create_time", sa.DateTime(timezone=True), nullable=False),
        sa.Column("update_time", sa.DateTime(timezone=True), nullable=False),
        sa.Column("etag", sa.String(32), nullable=False),
        sa.Column("display_name", sa.String(200), nullable=False),
        sa.Column("state", sa.String(32), nullable=False),
    )
    op.create_index("tenants_by_time", "tenants", ["create_time"])


def downgrade() -> None:
    op.drop_index("tenants_by_time", table_name="tenants")
    op.drop_table("tenants")
    op.drop_index("users_by_tenant_email", table_name="users")
    op.drop_index("users_by_tenant_time", table_name="users")
    op.drop_table("users")
