"""Record whom a service acted for and who wrote each entry.

Revision ID: 0004
Revises: 0003
Create Date: 2026-12-07
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0004"
down_revision = "0003"
branch_labels = None
depends_on = None


def upgrade() -> None:
    for column in ("on_behalf_of", "recorded_by"):
        op.add_column("audit_entries", sa.Column(column, sa.String(256), nullable=False,
                                                 server_default=""))


def downgrade() -> None:
    for column in ("recorded_by", "on_behalf_of"):
        op.drop_column("audit_entries", column)
