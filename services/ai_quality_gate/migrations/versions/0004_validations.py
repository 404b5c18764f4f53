"""Create the validations table (the recorded verdicts of ValidateOutput).

Revision ID: 0004
Revises: 0003
Create Date: 2026-11-27
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0004"
down_revision = "0003"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "validations",
        sa.Column("tenant", sa.String(64), primary_key=True),
        sa.Column("id", sa.String(64), primary_key=True),
        sa.Column("create_time", sa.DateTime(timezone=True), nullable=False),
        sa.Column("update_time", sa.DateTime(timezone=True), nullable=False),
        sa.Column("etag", sa.String(32), nullable=False),
        sa.Column("policy", sa.String(64), nullable=False),
        sa.Column("subject", sa.String(1024), nullable=False),
        sa.Column("verdict", sa.String(32), nullable=False),
        sa.Column("findings", sa.JSON, nullable=False),
        sa.Column("score", sa.Float, nullable=False),
        sa.Column("mode", sa.String(32), nullable=False),
    )
    op.create_index("validations_by_tenant_time", "validations", ["tenant", "create_time"])
    op.create_index("validations_by_policy", "validations", ["tenant", "policy", "create_time"])
    op.create_index("validations_by_subject", "validations",
                    ["tenant", "subject", "create_time"])


def downgrade() -> None:
    op.drop_index("validations_by_subject", table_name="validations")
    op.drop_index("validations_by_policy", table_name="validations")
    op.drop_index("validations_by_tenant_time", table_name="validations")
    op.drop_table("validations")
