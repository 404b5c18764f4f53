"""Dispatching: an assignment keeps its agent's input and whether the planner has heard of
its latest state; a task has at most one live assignment.

Revision ID: 0005
Revises: 0004
Create Date: 2026-11-25
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0005"
down_revision = "0004"
branch_labels = None
depends_on = None

_LIVE = sa.text("state IN ('PENDING', 'RUNNING')")


def upgrade() -> None:
    with op.batch_alter_table("assignments") as batch:
        batch.add_column(sa.Column("input", sa.LargeBinary, nullable=True))
        batch.add_column(sa.Column("reported", sa.Boolean, nullable=False,
                                   server_default=sa.true()))
    op.create_index("assignments_unreported", "assignments", ["reported", "update_time"])
    op.create_index("assignments_live_task", "assignments", ["tenant", "task"], unique=True,
                    postgresql_where=_LIVE, sqlite_where=_LIVE)
    op.create_index("executions_running", "executions", ["state", "agent"])


def downgrade() -> None:
    op.drop_index("executions_running", table_name="executions")
    op.drop_index("assignments_live_task", table_name="assignments")
    op.drop_index("assignments_unreported", table_name="assignments")
    with op.batch_alter_table("assignments") as batch:
        batch.drop_column("reported")
        batch.drop_column("input")
