"""Memories get their vector, provenance, access statistics, version and state; namespaces
get admins, kind, quotas and ranking weights; reads of memories are recorded.

Revision ID: 0005
Revises: 0004
Create Date: 2026-12-07
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0005"
down_revision = "0004"
branch_labels = None
depends_on = None

def _memory_columns() -> tuple[sa.Column[object], ...]:
    return (
        sa.Column("tags", sa.JSON, nullable=False, server_default="[]"),
        sa.Column("source_agent", sa.String(64), nullable=False, server_default=""),
        sa.Column("source_goal", sa.String(256), nullable=False, server_default=""),
        sa.Column("source_task", sa.String(320), nullable=False, server_default=""),
        sa.Column("access_count", sa.BigInteger, nullable=False, server_default="0"),
        sa.Column("access_time", sa.DateTime(timezone=True), nullable=True),
        sa.Column("version", sa.BigInteger, nullable=False, server_default="1"),
        sa.Column("state", sa.String(32), nullable=False, server_default="ACTIVE"),
        sa.Column("embedding_model", sa.String(128), nullable=False, server_default=""),
        sa.Column("embedding_dimensions", sa.Integer, nullable=False, server_default="0"),
        sa.Column("vector", sa.LargeBinary, nullable=False, server_default=sa.text("''")),
        # Rows stored before vectors existed have none: nothing for the index to do.
        sa.Column("indexed", sa.Boolean, nullable=False, server_default=sa.true()),
        sa.Column("size_bytes", sa.Integer, nullable=False, server_default="0"),
        sa.Column("deleted", sa.Boolean, nullable=False, server_default=sa.false()),
    )


def _namespace_columns() -> tuple[sa.Column[object], ...]:
    return (
        sa.Column("admins", sa.JSON, nullable=False, server_default="[]"),
        sa.Column("kind", sa.String(32), nullable=False, server_default="SHARED"),
        sa.Column("max_memories", sa.Integer, nullable=False, server_default="0"),
        sa.Column("max_bytes", sa.BigInteger, nullable=False, server_default="0"),
        sa.Column("ranking", sa.JSON, nullable=False, server_default="{}"),
    )


def upgrade() -> None:
    with op.batch_alter_table("memories") as batch:
        for column in _memory_columns():
            batch.add_column(column)
    op.create_index("memories_not_indexed", "memories", ["indexed"])
    with op.batch_alter_table("namespaces") as batch:
        for column in _namespace_columns():
            batch.add_column(column)
    op.create_table(
        "memory_reads",
        sa.Column("tenant", sa.String(64), nullable=False),
        sa.Column("memory_id", sa.String(64), nullable=False),
        sa.Column("namespace", sa.String(128), nullable=False),
        sa.Column("principal", sa.String(512), nullable=False),
        sa.Column("read_time", sa.DateTime(timezone=True), nullable=False),
    )
    op.create_index("memory_reads_by_memory", "memory_reads",
                    ["tenant", "memory_id", "read_time"])
    op.create_index("memory_reads_by_time", "memory_reads", ["tenant", "read_time"])


def downgrade() -> None:
    op.drop_table("memory_reads")
    with op.batch_alter_table("namespaces") as batch:
        for column in _namespace_columns():
            batch.drop_column(column.name)
    op.drop_index("memories_not_indexed", table_name="memories")
    with op.batch_alter_table("memories") as batch:
        for column in _memory_columns():
            batch.drop_column(column.name)
