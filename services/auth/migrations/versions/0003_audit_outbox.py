"""Add the audit outbox (entries waiting for delivery to audit-log).

Revision ID: 0003
Revises: 0002
Create Date: 2026-11-25
"""

from __future__ import annotations

from shared.database.audit_outbox import create_table, drop_table

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None


def upgrade() -> None:
    create_table()


def downgrade() -> None:
    drop_table()
