"""Lifecycle policies and jobs: the policies' table, the jobs' table (state, report and
checkpoint), and the merge links of memories.

Revision ID: 0006
Revises: 0005
Create Date: 2026-12-14
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0006"
down_revision = "0005"
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


def _memory_columns() -> tuple[sa.Column[object], ...]:
    return (
        sa.Column("merged_from", sa.JSON, nullable=False, server_default="[]"),
        sa.Column("merged_into", sa.String(64), nullable=False, server_default=""),
    )


def upgrade() -> None:
    with op.batch_alter_table("memories") as batch:
        for column in _memory_columns():
            batch.add_column(column)
    op.create_table(
        "lifecycle_policies",
        *_entity_columns(),
        sa.Column("ttl", sa.Interval, nullable=True),
        sa.Column("max_memories", sa.Integer, nullable=False),
        sa.Column("decay", sa.Float, nullable=False),
        sa.Column("min_importance", sa.Float, nullable=False),
        sa.Column("archive_after", sa.Interval, nullable=True),
        sa.Column("summarize_after", sa.Interval, nullable=True),
        sa.Column("merge_similarity", sa.Float, nullable=False),
    )
    op.create_index("lifecycle_policies_by_tenant_time", "lifecycle_policies",
                    ["tenant", "create_time"])
    op.create_table(
        "memory_jobs",
        *_entity_columns(),
        sa.Column("kind", sa.String(32), nullable=False),
        sa.Column("namespace", sa.String(128), nullable=False),
        sa.Column("dry_run", sa.Boolean, nullable=False),
        sa.Column("scheduled", sa.Boolean, nullable=False),
        sa.Column("state", sa.String(32), nullable=False),
        sa.Column("report", sa.JSON, nullable=False),
        sa.Column("error", sa.Text, nullable=False),
        sa.Column("end_time", sa.DateTime(timezone=True), nullable=True),
        sa.Column("as_of", sa.DateTime(timezone=True), nullable=True),
        sa.Column("checkpoint", sa.JSON, nullable=False),
    )
    op.create_index("memory_jobs_by_tenant_time", "memory_jobs", ["tenant", "create_time"])


def downgrade() -> None:
    op.drop_table("memory_jobs")
    op.drop_table("lifecycle_policies")
    with op.batch_alter_table("memories") as batch:
        for column in _memory_columns():
            batch.drop_column(column.name)
