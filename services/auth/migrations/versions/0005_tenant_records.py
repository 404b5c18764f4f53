"""Give every tenant that has users or API keys a record: users, keys and tokens now live
only in tenants that exist, so those created before the rule keep working.

Revision ID: 0005
Revises: 0004
Create Date: 2026-12-07
"""

from __future__ import annotations

import secrets

import sqlalchemy as sa
from alembic import op

from shared.database.types import UtcDateTime
from shared.resources.entity import utc_now

revision = "0005"
down_revision = "0004"
branch_labels = None
depends_on = None

_TENANTS = sa.table(
    "tenants", sa.column("tenant", sa.String), sa.column("id", sa.String),
    sa.column("create_time", UtcDateTime()), sa.column("update_time", UtcDateTime()),
    sa.column("etag", sa.String), sa.column("display_name", sa.String),
    sa.column("state", sa.String))


def upgrade() -> None:
    conn = op.get_bind()
    recorded = set(conn.execute(sa.select(_TENANTS.c.id)).scalars())
    used: set[str] = set()
    for name in ("users", "api_keys"):
        table = sa.table(name, sa.column("tenant", sa.String))
        used.update(conn.execute(sa.select(table.c.tenant).distinct()).scalars())
    now = utc_now()
    missing = [{"tenant": tenant, "id": tenant, "create_time": now, "update_time": now,
                "etag": secrets.token_hex(8), "display_name": tenant, "state": "ACTIVE"}
               for tenant in sorted(used - recorded)]
    if missing:
        op.bulk_insert(_TENANTS, missing)


def downgrade() -> None:
    # The records added cannot be told from tenants created since; they stay.
    pass
