"""Retention policies and the purge: expired entries go, a checkpoint keeps the rest
verifiable, a broken chain is kept as evidence."""

from __future__ import annotations

import dataclasses
import datetime as dt
import pathlib

import pytest
import sqlalchemy as sa

from cognition.audit.v1 import audit_service_pb2 as pb
from cognition.audit.v1 import audit_service_pb2_grpc as pb_grpc
from services.audit_log.config import Settings
from services.audit_log.core.models import (
    RETENTION_POLICY_ID,
    AuditEntry,
    Outcome,
    RetentionPolicy,
)
from services.audit_log.core.retention import RetentionPolicies
from services.audit_log.repository import (
    RetentionPolicyRepository,
    audit_entries,
    purge_checkpoints,
)
from services.audit_log.server import MIGRATIONS, create_server
from shared.database import DatabaseConnection
from shared.database.migrations import upgrade
from shared.errors import Aborted, InvalidArgument
from tests.helpers import assert_eventually, mesh_channel
from tests.unit.audit_log.conftest import Clock, audit_log

DAY = dt.timedelta(days=1)


def _entry(entry_id: str, tenant: str = "acme") -> AuditEntry:
    return AuditEntry(tenant=tenant, id=entry_id, actor="alice", action="planner.goal.create",
                      resource=f"tenants/{tenant}/goals/g1", outcome=Outcome.SUCCESS)


async def _append_daily(db: DatabaseConnection, clock: Clock, count: int,
                        tenant: str = "acme") -> list[AuditEntry]:
    """``count`` entries, one a day (so a policy can expire some), ending now."""
    clock.advance(days=-count)
    log = audit_log(db, clock)
    entries = []
    for i in range(1, count + 1):
        clock.advance(days=1)
        entries.append(await log.append(_entry(f"e{i}", tenant)))
    return entries


async def test_default_policy_keeps_entries_forever(db: DatabaseConnection, clock: Clock) -> None:
    await _append_daily(db, clock, 3)
    policy = await RetentionPolicies(RetentionPolicyRepository(db)).get("acme")
    assert policy.retain is None and policy.etag == ""
    result = await audit_log(db, clock).purge("acme", now=clock.now + 1000 * DAY)
    assert result.purged == 0
    assert (await audit_log(db).verify("acme")).entries_checked == 3


async def test_purge_deletes_expired_entries_and_the_rest_still_verifies(
        db: DatabaseConnection, clock: Clock) -> None:
    entries = await _append_daily(db, clock, 10)
    await RetentionPolicies(RetentionPolicyRepository(db)).update("acme", 3 * DAY)
    log = audit_log(db, clock)
    # e1..e10 are 9..0 days old: e7, exactly 3 days old, is not older than the policy.
    result = await log.purge("acme")
    assert (result.purged, result.refused) == (6, "")
    assert result.checkpoint is not None
    assert (result.checkpoint.sequence, result.checkpoint.hash) == (6, entries[5].hash)
    async with db.connect() as conn:
        left = (await conn.execute(sa.select(audit_entries.c.id).order_by(
            audit_entries.c.sequence))).scalars().all()
        checkpoint = (await conn.execute(sa.select(purge_checkpoints))).one()
    assert left == ["e7", "e8", "e9", "e10"]
    assert (checkpoint.sequence, checkpoint.hash) == (6, entries[5].hash)

    verdict = await log.verify("acme")
    assert (verdict.valid, verdict.entries_checked) == (True, 4)
    assert (await log.purge("acme")).purged == 0  # nothing more has expired

    # The chain goes on from the head, and tampering after the checkpoint is still found.
    later = await log.append(_entry("e11"))
    assert (later.sequence, later.previous_hash) == (11, entries[9].hash)
    assert (await log.verify("acme")).entries_checked == 5
    async with db.transaction() as conn:
        await conn.execute(sa.update(audit_entries).where(audit_entries.c.id == "e9")
                           .values(actor="mallory"))
    assert (await log.verify("acme")).first_bad == "e9"


async def test_purging_every_entry_keeps_the_chain_going(db: DatabaseConnection,
                                                         clock: Clock) -> None:
    entries = await _append_daily(db, clock, 4)
    await RetentionPolicies(RetentionPolicyRepository(db)).update("acme", DAY)
    log = audit_log(db, clock)
    assert (await log.purge("acme", now=clock.now + 2 * DAY)).purged == 4
    verdict = await log.verify("acme")
    assert (verdict.valid, verdict.entries_checked) == (True, 0)
    fifth = await log.append(_entry("e5"))
    assert (fifth.sequence, fifth.previous_hash) == (5, entries[3].hash)
    assert (await log.verify("acme")).valid


async def test_purge_refuses_to_delete_a_broken_chain(db: DatabaseConnection,
                                                      clock: Clock) -> None:
    await _append_daily(db, clock, 6)
    await RetentionPolicies(RetentionPolicyRepository(db)).update("acme", 2 * DAY)
    async with db.transaction() as conn:
        await conn.execute(sa.update(audit_entries).where(audit_entries.c.id == "e2")
                           .values(actor="mallory"))
    log = audit_log(db, clock)
    result = await log.purge("acme")
    assert result.purged == 0 and "e2" in result.refused
    assert (await log.verify("acme")).first_bad == "e2"


async def test_purge_expired_covers_every_limited_tenant(db: DatabaseConnection,
                                                         clock: Clock) -> None:
    start = clock.now
    for tenant in ("acme", "globex", "initech"):
        clock.now = start
        await _append_daily(db, clock, 5, tenant)
    policies = RetentionPolicies(RetentionPolicyRepository(db))
    await policies.update("acme", 2 * DAY)
    await policies.update("globex", 3 * DAY)
    # Entries are 4..0 days old.
    results = await audit_log(db, clock).purge_expired()
    assert {r.tenant: r.purged for r in results} == {"acme": 2, "globex": 1}
    for tenant, left in (("acme", 3), ("globex", 4), ("initech", 5)):
        verdict = await audit_log(db).verify(tenant)
        assert (verdict.valid, verdict.entries_checked) == (True, left)


async def test_a_retention_past_what_dates_hold_is_refused_naming_the_field(
        db: DatabaseConnection) -> None:
    """10,000 years, which a Duration allows, was INTERNAL on SQLite (found by tests/fuzz)."""
    policies = RetentionPolicies(RetentionPolicyRepository(db))
    for retain in (dt.timedelta(seconds=315_576_000_000), 365_251 * DAY):
        with pytest.raises(InvalidArgument) as refused:
            await policies.update("acme", retain)
        assert [v.field for v in refused.value.violations] == ["retention_policy.retain"]
    assert (await policies.update("acme", 365_250 * DAY)).retain == 365_250 * DAY


async def test_a_policy_older_than_any_date_purges_nothing_and_stops_no_other(
        db: DatabaseConnection, clock: Clock) -> None:
    """A cutoff before the year 1 overflowed and ended the purge of every tenant."""
    start = clock.now
    for tenant in ("acme", "globex"):
        clock.now = start
        await _append_daily(db, clock, 4, tenant)  # 3..0 days old
    await RetentionPolicyRepository(db).create(RetentionPolicy(
        tenant="acme", id=RETENTION_POLICY_ID, retain=3000 * 365 * DAY))
    await RetentionPolicies(RetentionPolicyRepository(db)).update("globex", 2 * DAY)
    results = await audit_log(db, clock).purge_expired()
    assert {r.tenant: r.purged for r in results} == {"acme": 0, "globex": 1}


async def test_policy_updates_check_the_minimum_and_the_etag(db: DatabaseConnection) -> None:
    policies = RetentionPolicies(RetentionPolicyRepository(db))
    with pytest.raises(InvalidArgument):
        await policies.update("acme", dt.timedelta(hours=1))
    with pytest.raises(Aborted):
        await policies.update("acme", DAY, etag="never-stored")
    first = await policies.update("acme", 10 * DAY)
    assert (await policies.get("acme")) == first and first.retain == 10 * DAY
    with pytest.raises(Aborted):
        await policies.update("acme", DAY, etag="stale")
    second = await policies.update("acme", 400 * DAY, etag=first.etag)
    assert dataclasses.replace(second, etag="", update_time=first.update_time) == \
        dataclasses.replace(first, retain=400 * DAY, etag="")


async def test_the_server_purges_in_the_background(tmp_path: pathlib.Path) -> None:
    db = DatabaseConnection(f"sqlite+aiosqlite:///{tmp_path}/audit_log.db")
    try:
        await upgrade(db, MIGRATIONS)
        await _append_daily(db, Clock(), 5)
        await RetentionPolicies(RetentionPolicyRepository(db)).update("acme", 2.5 * DAY)
    finally:
        await db.dispose()
    running = await create_server(Settings(port=0, purge_interval_seconds=0.05,
                                           mesh={"data_dir": str(tmp_path)}))
    try:
        async with mesh_channel(f"127.0.0.1:{running.port}") as channel:
            stub = pb_grpc.AuditServiceStub(channel)

            async def purged() -> bool:
                listed = await stub.ListAuditEntries(pb.ListAuditEntriesRequest(
                    parent="tenants/acme"))
                return [e.sequence for e in listed.audit_entries] == [5, 4, 3]

            await assert_eventually(purged, message="entries older than 2.5 days purged")
            verdict = await stub.VerifyChain(pb.VerifyChainRequest(parent="tenants/acme"))
            assert (verdict.valid, verdict.entries_checked) == (True, 3)
    finally:
        await running.stop(0)


def test_purge_interval_is_read_from_the_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    assert Settings().purge_interval_seconds == 3600
    monkeypatch.setenv("COGNOS_AUDIT_LOG_PURGE_INTERVAL_SECONDS", "60")
    assert Settings().purge_interval_seconds == 60
