"""The audit outbox: audit entries a service has recorded but not yet delivered to audit-log.

An entry is written to the service's own ``audit_outbox`` table when the call completes, and
removed only after audit-log has stored it, so an unreachable audit-log loses nothing: the
publisher retries until it is back. Each entry's id becomes its audit entry id, which makes
redelivery after a lost acknowledgement harmless.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
from collections.abc import Sequence

import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncConnection

from shared.database.connection import DatabaseConnection
from shared.database.types import UtcDateTime
from shared.group_commit import GroupCommit
from shared.resources.entity import utc_now

TABLE_NAME = "audit_outbox"


def _columns(time_type: sa.types.TypeEngine[dt.datetime]) -> list[sa.Column[object]]:
    """The columns the outbox was created with (its first migration; later ones add more)."""
    return [
        sa.Column("id", sa.String(64), primary_key=True),
        sa.Column("tenant", sa.String(64), nullable=False),
        sa.Column("actor", sa.String(256), nullable=False),
        sa.Column("action", sa.String(128), nullable=False),
        sa.Column("resource", sa.String(1024), nullable=False),
        sa.Column("outcome", sa.String(16), nullable=False),
        sa.Column("trace_id", sa.String(32), nullable=False),
        sa.Column("payload_digest", sa.String(64), nullable=False),
        sa.Column("create_time", time_type, nullable=False),
        sa.Column("attempts", sa.Integer, nullable=False),
        sa.Column("next_attempt_time", time_type, nullable=False),
    ]


metadata = sa.MetaData()
audit_outbox = sa.Table(TABLE_NAME, metadata, *_columns(UtcDateTime()),
                        sa.Column("on_behalf_of", sa.String(256), nullable=False))
# Built once: building and caching a statement costs more than running it.
_INSERT = sa.insert(audit_outbox)
_DELETE = sa.delete(audit_outbox).where(
    audit_outbox.c.id.in_(sa.bindparam("ids", expanding=True)))


def create_table() -> None:
    """Create the outbox; call from a service's Alembic migration."""
    from alembic import op

    op.create_table(TABLE_NAME, *_columns(sa.DateTime(timezone=True)))
    op.create_index(f"{TABLE_NAME}_due", TABLE_NAME, ["next_attempt_time"])


def add_on_behalf_of() -> None:
    """Add the ``on_behalf_of`` column; call from a service's Alembic migration."""
    from alembic import op

    op.add_column(TABLE_NAME, sa.Column("on_behalf_of", sa.String(256), nullable=False,
                                        server_default=""))


def drop_on_behalf_of() -> None:
    """Drop the ``on_behalf_of`` column; call from a service's Alembic downgrade."""
    from alembic import op

    op.drop_column(TABLE_NAME, "on_behalf_of")


def drop_table() -> None:
    """Drop the outbox; call from a service's Alembic downgrade."""
    from alembic import op

    op.drop_index(f"{TABLE_NAME}_due", table_name=TABLE_NAME)
    op.drop_table(TABLE_NAME)


@dataclasses.dataclass(frozen=True, kw_only=True)
class OutboxEntry:
    """One audit entry waiting for delivery."""

    id: str
    tenant: str
    actor: str
    action: str
    resource: str
    outcome: str  # SUCCESS, FAILURE or DENIED
    trace_id: str
    payload_digest: str
    on_behalf_of: str = ""  # whom the actor, a service of the mesh, acted for
    create_time: dt.datetime = dataclasses.field(default_factory=utc_now)
    attempts: int = 0
    next_attempt_time: dt.datetime = dataclasses.field(default_factory=utc_now)


async def insert_entries(conn: AsyncConnection, entries: Sequence[OutboxEntry]) -> None:
    """Add ``entries`` to the outbox inside ``conn``'s transaction (the service's own
    database, which holds its outbox)."""
    await conn.execute(_INSERT, [dataclasses.asdict(entry) for entry in entries])


class AuditOutbox:
    """The service's pending audit entries."""

    def __init__(self, db: DatabaseConnection) -> None:
        self._db = db
        self._fields = [f.name for f in dataclasses.fields(OutboxEntry)]
        self._adds: GroupCommit[None, OutboxEntry, None] = GroupCommit(self._insert)

    async def add(self, entry: OutboxEntry) -> None:
        """Persist ``entry`` for delivery (concurrent adds share one transaction)."""
        await self._adds.submit(None, entry)

    async def _insert(self, _key: None, entries: Sequence[OutboxEntry]
                      ) -> list[Exception | None]:
        try:
            async with self._db.transaction() as conn:
                await insert_entries(conn, entries)
        except Exception:
            if len(entries) == 1:
                raise
            # One entry the store refuses must not cost the others of its batch their record.
            return [await self._insert_alone(entry) for entry in entries]
        return [None] * len(entries)

    async def _insert_alone(self, entry: OutboxEntry) -> Exception | None:
        try:
            async with self._db.transaction() as conn:
                await insert_entries(conn, [entry])
        except Exception as error:
            return error
        return None

    async def due(self, limit: int, now: dt.datetime | None = None) -> list[OutboxEntry]:
        """Up to ``limit`` entries due for (re)delivery, oldest first."""
        c = audit_outbox.c
        query = (sa.select(audit_outbox).where(c.next_attempt_time <= (now or utc_now()))
                 .order_by(c.create_time, c.id).limit(limit))
        async with self._db.connect() as conn:
            rows = (await conn.execute(query)).mappings().all()
        return [OutboxEntry(**{name: row[name] for name in self._fields}) for row in rows]

    async def delivered(self, ids: Sequence[str]) -> None:
        """Forget entries audit-log has stored."""
        if ids:
            async with self._db.transaction() as conn:
                await conn.execute(_DELETE, {"ids": list(ids)})

    async def retry_later(self, ids: Sequence[str], at: dt.datetime) -> None:
        """Count a failed delivery of ``ids`` and hold them until ``at``."""
        if ids:
            c = audit_outbox.c
            async with self._db.transaction() as conn:
                await conn.execute(sa.update(audit_outbox).where(c.id.in_(ids)).values(
                    attempts=c.attempts + 1, next_attempt_time=at))

    async def pending(self) -> int:
        """How many entries wait for delivery."""
        async with self._db.connect() as conn:
            count = await conn.execute(sa.select(sa.func.count()).select_from(audit_outbox))
            return int(count.scalar_one())
