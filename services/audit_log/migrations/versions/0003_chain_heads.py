"""Add chain heads (the per-tenant append lock), purge checkpoints and retention policies;
backfill each tenant's head from its last entry.

Revision ID: 0003
Revises: 0002
Create Date: 2026-11-26
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "chain_heads",
        sa.Column("tenant", sa.String(64), primary_key=True),
        sa.Column("sequence", sa.BigInteger, nullable=False),
        sa.Column("hash", sa.String(64), nullable=False),
        sa.Column("entry_id", sa.String(64), nullable=False),
    )
    op.create_table(
        "purge_checkpoints",
        sa.Column("tenant", sa.String(64), primary_key=True),
        sa.Column("sequence", sa.BigInteger, nullable=False),
        sa.Column("hash", sa.String(64), nullable=False),
        sa.Column("purge_time", sa.DateTime(timezone=True), nullable=False),
    )
    op.create_table(
        "retention_policies",
        sa.Column("tenant", sa.String(64), primary_key=True),
        sa.Column("id", sa.String(64), primary_key=True),
        sa.Column("create_time", sa.DateTime(timezone=True), nullable=False),
        sa.Column("update_time", sa.DateTime(timezone=True), nullable=False),
        sa.Column("etag", sa.String(32), nullable=False),
        sa.Column("retain", sa.Interval, nullable=False),
    )
    # Each tenant's head is its highest-sequence entry.
    op.execute(sa.text(
        "INSERT INTO chain_heads (tenant, sequence, hash, entry_id) "
        "SELECT e.tenant, e.sequence, e.hash, e.id FROM audit_entries e "
        "JOIN (SELECT tenant, MAX(sequence) AS sequence FROM audit_entries GROUP BY tenant) AS tip "
        "ON e.tenant = tip.tenant AND e.sequence = tip.sequence"))


def downgrade() -> None:
    op.drop_table("retention_policies")
    op.drop_table("purge_checkpoints")
    op.drop_table("chain_heads")
