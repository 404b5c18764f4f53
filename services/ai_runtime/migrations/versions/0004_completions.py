"""Add completions and the usage ledger (charges of completions and embeddings).

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


def _attribution_columns() -> list[sa.Column]:  # type: ignore[type-arg]
    return [
        sa.Column("role", sa.String(64), nullable=False),
        sa.Column("provider", sa.String(64), nullable=False),
        sa.Column("model", sa.String(200), nullable=False),
        sa.Column("prompt_version", sa.String(130), nullable=False),
        sa.Column("goal", sa.String(200), nullable=False),
        sa.Column("agent", sa.String(200), nullable=False),
        sa.Column("experiment", sa.String(200), nullable=False),
        sa.Column("variant", sa.String(64), nullable=False),
        sa.Column("input_tokens", sa.BigInteger, nullable=False),
        sa.Column("output_tokens", sa.BigInteger, nullable=False),
        sa.Column("cost_micros", sa.BigInteger, nullable=False),
    ]


def upgrade() -> None:
    op.create_table(
        "completions",
        sa.Column("tenant", sa.String(64), primary_key=True),
        sa.Column("id", sa.String(64), primary_key=True),
        sa.Column("create_time", sa.DateTime(timezone=True), nullable=False),
        sa.Column("update_time", sa.DateTime(timezone=True), nullable=False),
        sa.Column("etag", sa.String(32), nullable=False),
        *_attribution_columns(),
        sa.Column("messages", sa.JSON, nullable=False),
        sa.Column("output", sa.Text, nullable=False),
        sa.Column("attempts", sa.JSON, nullable=False),
        sa.Column("request_id", sa.String(128), nullable=True),
    )
    op.create_index("completions_by_tenant_time", "completions", ["tenant", "create_time"])
    # NULL request ids (calls without one) never collide: NULLs are distinct in a unique index.
    op.create_index("completions_by_tenant_request", "completions", ["tenant", "request_id"],
                    unique=True)
    op.create_table(
        "usage_records",
        sa.Column("tenant", sa.String(64), primary_key=True),
        sa.Column("id", sa.String(64), primary_key=True),
        sa.Column("kind", sa.String(16), nullable=False),
        *_attribution_columns(),
        sa.Column("create_time", sa.DateTime(timezone=True), nullable=False),
    )
    op.create_index("usage_records_by_tenant_time", "usage_records", ["tenant", "create_time"])


def downgrade() -> None:
    op.drop_index("usage_records_by_tenant_time", table_name="usage_records")
    op.drop_table("usage_records")
    op.drop_index("completions_by_tenant_request", table_name="completions")
    op.drop_index("completions_by_tenant_time", table_name="completions")
    op.drop_table("completions")
