"""Migration 0003 on SQLite and PostgreSQL: it backfills each tenant's chain head from the
entries already stored, so appends continue the existing chains."""

from __future__ import annotations

import pathlib
from collections.abc import AsyncIterator

import pytest
import sqlalchemy as sa

from services.audit_log.core.chain import GENESIS, link
from services.audit_log.core.models import AuditEntry, ChainPosition, Outcome
from services.audit_log.repository import AuditEntryRepository, audit_entries, chain_heads
from services.audit_log.server import MIGRATIONS
from shared.database import DatabaseConnection, utc_now
from shared.database.migrations import upgrade
from tests.unit.audit_log.conftest import audit_log


@pytest.fixture(params=["sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)])
async def db_at_0002(request: pytest.FixtureRequest,
                     tmp_path: pathlib.Path) -> AsyncIterator[DatabaseConnection]:
    if request.param == "sqlite":
        db = DatabaseConnection(f"sqlite+aiosqlite:///{tmp_path}/audit.db")
    else:
        db = DatabaseConnection(request.getfixturevalue("postgres_url"),
                                schema=request.getfixturevalue("postgres_schema"))
    await upgrade(db, MIGRATIONS, "0002")
    yield db
    await db.dispose()


# Columns of audit_entries added after revision 0002.
LATER_COLUMNS = ("on_behalf_of", "recorded_by")


def _chain(tenant: str, count: int) -> list[AuditEntry]:
    entries = [AuditEntry(tenant=tenant, id=f"{tenant}-{i}", actor="alice",
                          action="planner.goal.create", resource=f"tenants/{tenant}/goals/g",
                          outcome=Outcome.SUCCESS, etag="e") for i in range(1, count + 1)]
    return link(entries, GENESIS, utc_now())


async def test_upgrade_backfills_heads_and_appends_continue(db_at_0002: DatabaseConnection
                                                            ) -> None:
    db = db_at_0002
    old = {"acme": _chain("acme", 5), "globex": _chain("globex", 2)}
    repository = AuditEntryRepository(db)
    async with db.transaction() as conn:
        await conn.execute(sa.insert(audit_entries), [
            {k: v for k, v in repository.to_row(e).items() if k not in LATER_COLUMNS}
            for chain in old.values() for e in chain])

    await upgrade(db, MIGRATIONS)
    async with db.connect() as conn:
        heads = {r.tenant: ChainPosition(r.sequence, r.hash, r.entry_id)
                 for r in (await conn.execute(sa.select(chain_heads))).all()}
    assert heads == {tenant: ChainPosition(chain[-1].sequence, chain[-1].hash, chain[-1].id)
                     for tenant, chain in old.items()}

    log = audit_log(db)
    appended = await log.append_batch("acme", _chain("acme", 7)[5:])
    assert [e.sequence for e in appended] == [6, 7]
    assert appended[0].previous_hash == old["acme"][-1].hash
    for tenant, count in (("acme", 7), ("globex", 2)):
        verdict = await log.verify(tenant)
        assert (verdict.valid, verdict.entries_checked) == (True, count)
