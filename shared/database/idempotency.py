"""Idempotent mutations (AIP-155): a request retried with the same ``request_id`` gets the
response of the first one instead of doing the work twice.

Each service keeps the keys in its own ``idempotency_keys`` table (created by its Alembic
history through :func:`create_table`). A key is scoped by tenant and method and remembers a
fingerprint of the request, so reusing a ``request_id`` for a different request is refused.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

import sqlalchemy as sa
from sqlalchemy.exc import IntegrityError

from shared.database.connection import DatabaseConnection
from shared.database.types import UtcDateTime
from shared.resources.entity import utc_now

TABLE_NAME = "idempotency_keys"

metadata = sa.MetaData()
idempotency_keys = sa.Table(
    TABLE_NAME,
    metadata,
    sa.Column("tenant", sa.String(64), primary_key=True),
    sa.Column("method", sa.String(200), primary_key=True),
    sa.Column("request_id", sa.String(128), primary_key=True),
    sa.Column("fingerprint", sa.String(64), nullable=False),
    sa.Column("response", sa.LargeBinary, nullable=False),
    sa.Column("create_time", UtcDateTime(), nullable=False),
)


def create_table() -> None:
    """Create the table; call from a service's Alembic migration."""
    from alembic import op

    op.create_table(
        TABLE_NAME,
        sa.Column("tenant", sa.String(64), primary_key=True),
        sa.Column("method", sa.String(200), primary_key=True),
        sa.Column("request_id", sa.String(128), primary_key=True),
        sa.Column("fingerprint", sa.String(64), nullable=False),
        sa.Column("response", sa.LargeBinary, nullable=False),
        sa.Column("create_time", sa.DateTime(timezone=True), nullable=False),
    )
    op.create_index(f"{TABLE_NAME}_by_time", TABLE_NAME, ["create_time"])


def drop_table() -> None:
    """Drop the table; call from a service's Alembic downgrade."""
    from alembic import op

    op.drop_index(f"{TABLE_NAME}_by_time", table_name=TABLE_NAME)
    op.drop_table(TABLE_NAME)


@dataclass(frozen=True)
class Remembered:
    """The first outcome of a request id."""

    fingerprint: str
    response: bytes


class IdempotencyStore:
    """Remembered responses of mutations, by (tenant, method, request id).

    Args:
        db: The service's database.
        retention: How long a key is honoured; older keys are purged as new ones arrive.
    """

    def __init__(self, db: DatabaseConnection, retention: dt.timedelta = dt.timedelta(days=1)):
        self._db = db
        self._retention = retention

    async def recall(self, tenant: str, method: str, request_id: str) -> Remembered | None:
        """The remembered outcome of this request id, if any (and not expired)."""
        c = idempotency_keys.c
        query = sa.select(c.fingerprint, c.response).where(
            c.tenant == tenant, c.method == method, c.request_id == request_id,
            c.create_time > utc_now() - self._retention)
        async with self._db.connect() as conn:
            row = (await conn.execute(query)).first()
        return None if row is None else Remembered(row.fingerprint, bytes(row.response))

    async def remember(self, tenant: str, method: str, request_id: str, fingerprint: str,
                       response: bytes) -> None:
        """Record the first outcome; a concurrent duplicate that lost the race is ignored."""
        now = utc_now()
        c = idempotency_keys.c
        try:
            async with self._db.transaction() as conn:
                await conn.execute(sa.delete(idempotency_keys).where(
                    c.tenant == tenant, c.method == method, c.request_id == request_id,
                    c.create_time <= now - self._retention))
                await conn.execute(sa.insert(idempotency_keys), dict(
                    tenant=tenant, method=method, request_id=request_id,
                    fingerprint=fingerprint, response=response, create_time=now))
        except IntegrityError:
            return
