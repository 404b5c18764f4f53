"""Add the idempotency keys of mutations (request_id).

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-25
"""

from __future__ import annotations

from shared.database.idempotency import create_table, drop_table

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None


def upgrade() -> None:
    create_table()


def downgrade() -> None:
    drop_table()
