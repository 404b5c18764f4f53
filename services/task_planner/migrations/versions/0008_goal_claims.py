"""Goals record who holds their planning claim: the replica, its process's start time, and
when the claim was last renewed.

Revision ID: 0008
Revises: 0007
Create Date: 2026-12-07
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0008"
down_revision = "0007"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("goals") as batch:
        batch.add_column(sa.Column("claimed_by", sa.String(64), nullable=False,
                                   server_default=""))
        batch.add_column(sa.Column("claimer_start_time", sa.DateTime(timezone=True),
                                   nullable=True))
        batch.add_column(sa.Column("claim_renew_time", sa.DateTime(timezone=True),
                                   nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("goals") as batch:
        batch.drop_column("claim_renew_time")
        batch.drop_column("claimer_start_time")
        batch.drop_column("claimed_by")
