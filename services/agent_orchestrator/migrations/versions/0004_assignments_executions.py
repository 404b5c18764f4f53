"""Create the assignments and executions tables.

Revision ID: 0004
Revises: 0003
Create Date: 2026-11-25
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0004"
down_revision = "0003"
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
    op.create_table(
        "assignments",
        *_entity_columns(),
        sa.Column("task", sa.String(256), nullable=False),
        sa.Column("goal", sa.String(256), nullable=False),
        sa.Column("agent", sa.String(64), nullable=False),
        sa.Column("role", sa.String(64), nullable=False),
        sa.Column("required_capabilities", sa.JSON, nullable=False),
        sa.Column("critical", sa.Boolean, nullable=False),
        sa.Column("state", sa.String(32), nullable=False),
        sa.Column("attempt", sa.Integer, nullable=False),
        sa.Column("prior_attempts", sa.Integer, nullable=False),
        sa.Column("not_before", sa.DateTime(timezone=True), nullable=False),
        sa.Column("lease_expire_time", sa.DateTime(timezone=True), nullable=True),
    )
    op.create_index("assignments_by_tenant_time", "assignments", ["tenant", "create_time"])
    op.create_index("assignments_by_task", "assignments", ["tenant", "task"])
    op.create_index("assignments_by_agent", "assignments", ["tenant", "agent", "state"])
    op.create_index("assignments_due", "assignments", ["state", "not_before"])
    op.create_table(
        "executions",
        *_entity_columns(),
        sa.Column("task", sa.String(256), nullable=False),
        sa.Column("agent", sa.String(64), nullable=False),
        sa.Column("assignment", sa.String(64), nullable=False),
        sa.Column("attempt", sa.Integer, nullable=False),
        sa.Column("assignment_attempt", sa.Integer, nullable=False),
        sa.Column("state", sa.String(32), nullable=False),
        sa.Column("start_time", sa.DateTime(timezone=True), nullable=False),
        sa.Column("end_time", sa.DateTime(timezone=True), nullable=True),
        sa.Column("error", sa.Text, nullable=False),
        sa.Column("output", sa.Text, nullable=False),
    )
    op.create_index("executions_by_tenant_time", "executions", ["tenant", "create_time"])
    op.create_index("executions_by_attempt", "executions",
                    ["tenant", "assignment", "assignment_attempt"], unique=True)


def downgrade() -> None:
    op.drop_index("executions_by_attempt", table_name="executions")
    op.drop_index("executions_by_tenant_time", table_name="executions")
    op.drop_table("executions")
    op.drop_index("assignments_due", table_name="assignments")
    op.drop_index("assignments_by_agent", table_name="assignments")
    op.drop_index("assignments_by_task", table_name="assignments")
    op.drop_index("assignments_by_tenant_time", table_name="assignments")
    op.drop_table("assignments")
