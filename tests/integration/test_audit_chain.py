"""The audit-log's chain on SQLite and a real PostgreSQL, through the real server: tampering
with plain SQL is reported at the right entry, concurrent appends leave a gap-free chain, and a
retention purge leaves a chain that still verifies."""

from __future__ import annotations

import asyncio
import datetime as dt
import pathlib
import sqlite3
from collections.abc import AsyncIterator, Awaitable, Callable
from dataclasses import dataclass

import asyncpg
import pytest
from google.protobuf import duration_pb2

from cognition.audit.v1 import audit_entry_pb2, retention_policy_pb2
from cognition.audit.v1 import audit_service_pb2 as pb
from cognition.audit.v1 import audit_service_pb2_grpc as pb_grpc
from services.audit_log.config import Settings
from services.audit_log.core.log import AuditLog
from services.audit_log.core.models import AuditEntry, Outcome
from services.audit_log.repository import AuditEntryRepository, RetentionPolicyRepository
from services.audit_log.server import create_server
from shared.database import DatabaseConnection, utc_now
from tests.helpers import assert_eventually, mesh_channel

DAY = 86400


@dataclass
class Backend:
    """Where the server under test keeps its tables, and a plain-SQL door into them."""

    url: str
    schema: str | None

    async def sql(self, statement: str) -> None:
        """Run ``statement`` outside the service, as a tamperer with database access would."""
        if self.schema is None:
            path = self.url.removeprefix("sqlite+aiosqlite:///")
            with sqlite3.connect(path) as conn:
                conn.execute(statement)
            return
        conn = await asyncpg.connect(self.url.replace("postgresql+asyncpg", "postgresql"),
                                     server_settings={"search_path": self.schema})
        try:
            await conn.execute(statement)
        finally:
            await conn.close()


@pytest.fixture(params=["sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)])
def backend(request: pytest.FixtureRequest, tmp_path: pathlib.Path) -> Backend:
    if request.param == "sqlite":
        return Backend(f"sqlite+aiosqlite:///{tmp_path}/audit_log.db", None)
    return Backend(request.getfixturevalue("postgres_url"),
                   request.getfixturevalue("postgres_schema"))


Start = Callable[..., Awaitable[pb_grpc.AuditServiceStub]]


@pytest.fixture
async def start(backend: Backend, tmp_path: pathlib.Path) -> AsyncIterator[Start]:
    """Starts the audit-log on ``backend`` (settings as keywords) and returns a stub."""
    stoppers: list[Callable[[], Awaitable[None]]] = []

    async def start(**settings: object) -> pb_grpc.AuditServiceStub:
        running = await create_server(
            Settings(port=0, database_url=backend.url, mesh={"data_dir": str(tmp_path)},
                     **settings),  # type: ignore[arg-type]
            schema=backend.schema)
        channel = mesh_channel(f"127.0.0.1:{running.port}")
        stoppers.append(lambda: running.stop(0))
        stoppers.append(channel.close)
        return pb_grpc.AuditServiceStub(channel)

    yield start
    for stop in reversed(stoppers):
        await stop()


def _entry(i: int) -> audit_entry_pb2.AuditEntry:
    return audit_entry_pb2.AuditEntry(actor=f"users/u{i}", action="planner.goal.create",
                                      resource=f"tenants/t/goals/g{i}",
                                      outcome=audit_entry_pb2.OUTCOME_SUCCESS)


async def _append_20(stub: pb_grpc.AuditServiceStub, tenant: str) -> list[str]:
    """Entries #1..#20 (10 single appends, then a batch of 10); their names, by sequence."""
    parent = f"tenants/{tenant}"
    names = []
    for i in range(1, 11):
        response = await stub.CreateAuditEntry(pb.CreateAuditEntryRequest(
            parent=parent, audit_entry=_entry(i)), timeout=10)
        names.append(response.audit_entry.name)
    batch = await stub.BatchCreateAuditEntries(pb.BatchCreateAuditEntriesRequest(
        parent=parent, requests=[pb.CreateAuditEntryRequest(audit_entry=_entry(i))
                                 for i in range(11, 21)]), timeout=10)
    names += [e.name for e in batch.audit_entries]
    assert [e.sequence for e in batch.audit_entries] == list(range(11, 21))
    verdict = await stub.VerifyChain(pb.VerifyChainRequest(parent=parent), timeout=10)
    assert (verdict.valid, verdict.entries_checked) == (True, 20)
    return names


async def _verify(stub: pb_grpc.AuditServiceStub, tenant: str) -> pb.VerifyChainResponse:
    response: pb.VerifyChainResponse = await stub.VerifyChain(
        pb.VerifyChainRequest(parent=f"tenants/{tenant}"), timeout=30)
    return response


async def test_an_edited_entry_is_reported(start: Start, backend: Backend, tenant: str) -> None:
    stub = await start()
    names = await _append_20(stub, tenant)
    await backend.sql(f"UPDATE audit_entries SET actor = 'users/mallory' "
                      f"WHERE tenant = '{tenant}' AND sequence = 7")
    verdict = await _verify(stub, tenant)
    assert (verdict.valid, verdict.first_bad_entry, verdict.entries_checked) == (
        False, names[6], 7)
    assert verdict.reason.startswith("hash mismatch")


async def test_a_deleted_entry_is_reported_at_the_entry_after_the_gap(
        start: Start, backend: Backend, tenant: str) -> None:
    stub = await start()
    names = await _append_20(stub, tenant)
    await backend.sql(f"DELETE FROM audit_entries WHERE tenant = '{tenant}' AND sequence = 12")
    verdict = await _verify(stub, tenant)
    assert (verdict.valid, verdict.first_bad_entry) == (False, names[12])
    assert verdict.reason.startswith("sequence gap: expected 12, found 13")


async def test_swapped_sequences_are_reported_at_the_first_of_them(
        start: Start, backend: Backend, tenant: str) -> None:
    stub = await start()
    names = await _append_20(stub, tenant)
    # Through a free value: (tenant, sequence) is unique.
    for old, new in ((5, -1), (9, 5), (-1, 9)):
        await backend.sql(f"UPDATE audit_entries SET sequence = {new} "
                          f"WHERE tenant = '{tenant}' AND sequence = {old}")
    verdict = await _verify(stub, tenant)
    # The first of the two in chain order: position 5, now held by the entry appended as #9.
    assert (verdict.valid, verdict.first_bad_entry, verdict.entries_checked) == (
        False, names[8], 5)
    assert verdict.reason.startswith("hash mismatch")


async def test_concurrent_appends_leave_a_gap_free_chain(start: Start, tenant: str) -> None:
    stub = await start()
    parent = f"tenants/{tenant}"

    async def singles(task: int) -> list[int]:
        return [(await stub.CreateAuditEntry(pb.CreateAuditEntryRequest(
            parent=parent, audit_entry=_entry(task * 100 + i)), timeout=30)).audit_entry.sequence
            for i in range(50)]

    async def batches(task: int) -> list[int]:
        sequences: list[int] = []
        for b in range(5):
            response = await stub.BatchCreateAuditEntries(pb.BatchCreateAuditEntriesRequest(
                parent=parent, requests=[
                    pb.CreateAuditEntryRequest(audit_entry=_entry(task * 100 + b * 10 + i))
                    for i in range(10)]), timeout=30)
            got = [e.sequence for e in response.audit_entries]
            assert got == list(range(got[0], got[0] + 10))  # a batch is contiguous
            sequences += got
        return sequences

    results = await asyncio.gather(*(singles(t) if t % 2 else batches(t) for t in range(8)))
    assert sorted(s for r in results for s in r) == list(range(1, 401))
    verdict = await _verify(stub, tenant)
    assert (verdict.valid, verdict.entries_checked) == (True, 400)


async def test_a_retention_purge_keeps_the_chain_verifiable(
        start: Start, backend: Backend, tenant: str) -> None:
    # Ten entries, one a day, the last one now: written in the past by the domain itself.
    stub = await start()  # migrates the database
    db = DatabaseConnection(backend.url, schema=backend.schema)
    now = utc_now()
    clock = iter(now - dt.timedelta(days=9 - i) for i in range(10))
    log = AuditLog(AuditEntryRepository(db), RetentionPolicyRepository(db), lambda: next(clock))
    try:
        for i in range(10):
            await log.append(AuditEntry(tenant=tenant, id=f"e{i + 1}", actor="users/ada",
                                        action="planner.goal.create", resource="x",
                                        outcome=Outcome.SUCCESS))
    finally:
        await db.dispose()
    await stub.UpdateRetentionPolicy(pb.UpdateRetentionPolicyRequest(
        retention_policy=retention_policy_pb2.RetentionPolicy(
            name=f"tenants/{tenant}/retentionPolicy",
            retain=duration_pb2.Duration(seconds=int(3.5 * DAY)))), timeout=10)

    purging = await start(purge_interval_seconds=0.05)

    async def purged() -> bool:
        listed = await purging.ListAuditEntries(pb.ListAuditEntriesRequest(
            parent=f"tenants/{tenant}"), timeout=10)
        return [e.name.rsplit("/", 1)[1] for e in listed.audit_entries] == [
            "e10", "e9", "e8", "e7"]

    await assert_eventually(purged, message="entries older than 3.5 days purged")
    verdict = await _verify(stub, tenant)
    assert (verdict.valid, verdict.entries_checked) == (True, 4)
    appended = await stub.CreateAuditEntry(pb.CreateAuditEntryRequest(
        parent=f"tenants/{tenant}", audit_entry=_entry(11)), timeout=10)
    assert appended.audit_entry.sequence == 11
    await backend.sql(f"UPDATE audit_entries SET actor = 'users/mallory' "
                      f"WHERE tenant = '{tenant}' AND sequence = 8")
    verdict = await _verify(stub, tenant)
    assert (verdict.valid, verdict.first_bad_entry) == (False,
                                                        f"tenants/{tenant}/auditEntries/e8")
