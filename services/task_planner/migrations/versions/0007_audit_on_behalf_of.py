"""Record, with each audit entry waiting for delivery, whom a service acted for.

Revision ID: 0007
Revises: 0006
Create Date: 2026-12-07
"""

from __future__ import annotations

from shared.database.audit_outbox import add_on_behalf_of, drop_on_behalf_of

revision = "0007"
down_revision = "0006"
branch_labels = None
depends_on = None


def upgrade() -> None:
    add_on_behalf_of()


def downgrade() -> None:
    drop_on_behalf_of()
