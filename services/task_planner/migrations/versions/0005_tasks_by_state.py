"""Index tasks by state, for listing the ready tasks of every goal.

Revision ID: 0005
Revises: 0004
Create Date: 2026-11-25
"""

from __future__ import annotations

from alembic import op

revision = "0005"
down_revision = "0004"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_index("tasks_by_state", "tasks", ["state", "update_time"])


def downgrade() -> None:
    op.drop_index("tasks_by_state", table_name="tasks")
