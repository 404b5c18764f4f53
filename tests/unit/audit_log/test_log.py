from __future__ import annotations

import asyncio
import datetime as dt

import pytest
import sqlalchemy as sa

from services.audit_log.core.chain import GENESIS_HASH, entry_hash
from services.audit_log.core.models import AuditEntry, AuditQuery, Outcome
from services.audit_log.repository import audit_entries, chain_heads
from shared.database import DatabaseConnection, PageRequest
from shared.errors import AlreadyExists, NotFound
from tests.unit.audit_log.conftest import audit_log


def _entry(entry_id: str, *, tenant: str = "acme", actor: str = "alice",
           resource: str = "tenants/acme/goals/g1", trace_id: str = "") -> AuditEntry:
    return AuditEntry(tenant=tenant, id=entry_id, actor=actor, action="planner.goal.create",
                      resource=resource, outcome=Outcome.SUCCESS, trace_id=trace_id)


async def test_append_chains_entries_and_survives_a_round_trip(db: DatabaseConnection) -> None:
    log = audit_log(db)
    first = await log.append(_entry("e1"))
    second = await log.append(_entry("e2"))
    assert (first.sequence, first.previous_hash) == (1, GENESIS_HASH)
    assert (second.sequence, second.previous_hash) == (2, first.hash)
    stored = await log.get("acme", "e2")
    assert stored == second
    assert entry_hash(stored) == stored.hash


async def test_tenants_have_separate_chains(db: DatabaseConnection) -> None:
    log = audit_log(db)
    await log.append(_entry("e1"))
    other = await log.append(_entry("e1", tenant="globex", resource="tenants/globex/goals/g"))
    assert (other.sequence, other.previous_hash) == (1, GENESIS_HASH)
    with pytest.raises(NotFound):
        await log.get("globex", "missing")


async def test_concurrent_appends_get_consecutive_sequences(db: DatabaseConnection) -> None:
    log = audit_log(db)
    appended = await asyncio.gather(*(log.append(_entry(f"e{i}")) for i in range(20)))
    assert sorted(e.sequence for e in appended) == list(range(1, 21))
    verdict = await log.verify("acme")
    assert verdict.valid and verdict.entries_checked == 20


async def test_a_resent_id_returns_the_stored_entry(db: DatabaseConnection) -> None:
    log = audit_log(db)
    first = await log.append(_entry("e1"))
    again = await log.append(_entry("e1"))
    assert again == first
    assert (await log.verify("acme")).entries_checked == 1


async def test_a_taken_id_with_other_content_is_already_exists(db: DatabaseConnection) -> None:
    log = audit_log(db)
    await log.append(_entry("e1"))
    with pytest.raises(AlreadyExists):
        await log.append(_entry("e1", actor="mallory"))
    assert (await log.verify("acme")).entries_checked == 1


async def test_list_filters_and_pages_newest_first(db: DatabaseConnection) -> None:
    log = audit_log(db)
    for i in range(5):
        await log.append(_entry(f"g{i}", resource="tenants/acme/goals/g1", actor=f"a{i % 2}"))
    await log.append(_entry("other", resource="tenants/acme/goals/g2", trace_id="ab" * 16))

    first = await log.list("acme", AuditQuery(resource="tenants/acme/goals/g1"),
                           PageRequest(size=3))
    assert [e.id for e in first.items] == ["g4", "g3", "g2"]
    rest = await log.list("acme", AuditQuery(resource="tenants/acme/goals/g1"),
                          PageRequest.of(3, first.next_page_token))
    assert [e.id for e in rest.items] == ["g1", "g0"] and rest.next_page_token == ""

    by_actor = await log.list("acme", AuditQuery(actor="a1"), PageRequest())
    assert [e.id for e in by_actor.items] == ["g3", "g1"]
    by_trace = await log.list("acme", AuditQuery(trace_id="ab" * 16), PageRequest())
    assert [e.id for e in by_trace.items] == ["other"]


async def test_list_honours_the_time_range(db: DatabaseConnection) -> None:
    log = audit_log(db)
    early = await log.append(_entry("early"))
    late = await log.append(_entry("late"))
    since_late = await log.list("acme", AuditQuery(start_time=late.create_time), PageRequest())
    assert [e.id for e in since_late.items] == ["late"]
    before_late = await log.list("acme", AuditQuery(end_time=late.create_time), PageRequest())
    assert [e.id for e in before_late.items] == ["early"]
    future = early.create_time + dt.timedelta(days=1)
    assert (await log.list("acme", AuditQuery(start_time=future), PageRequest())).items == []


async def test_verify_reports_an_edited_entry(db: DatabaseConnection) -> None:
    log = audit_log(db)
    for i in range(1, 5):
        await log.append(_entry(f"e{i}"))
    async with db.transaction() as conn:
        await conn.execute(sa.update(audit_entries).where(audit_entries.c.id == "e2")
                           .values(actor="mallory"))
    verdict = await log.verify("acme")
    assert not verdict.valid
    assert (verdict.first_bad, verdict.entries_checked) == ("e2", 2)
    assert verdict.reason.startswith("hash mismatch")


async def test_verify_reports_a_deleted_entry_at_its_successor(db: DatabaseConnection) -> None:
    log = audit_log(db)
    for i in range(1, 5):
        await log.append(_entry(f"e{i}"))
    async with db.transaction() as conn:
        await conn.execute(sa.delete(audit_entries).where(audit_entries.c.id == "e3"))
    verdict = await log.verify("acme")
    assert (verdict.valid, verdict.first_bad) == (False, "e4")
    assert verdict.reason.startswith("sequence gap")


async def test_verify_reports_a_deleted_first_entry(db: DatabaseConnection) -> None:
    log = audit_log(db)
    for i in range(1, 3):
        await log.append(_entry(f"e{i}"))
    async with db.transaction() as conn:
        await conn.execute(sa.delete(audit_entries).where(audit_entries.c.id == "e1"))
    verdict = await log.verify("acme")
    assert (verdict.valid, verdict.first_bad, verdict.entries_checked) == (False, "e2", 1)


async def test_verify_of_an_empty_log_is_valid(db: DatabaseConnection) -> None:
    verdict = await audit_log(db).verify("nobody")
    assert verdict.valid and verdict.entries_checked == 0 and verdict.reason == ""


async def test_verify_reports_a_rewritten_entry_at_its_successor(db: DatabaseConnection) -> None:
    log = audit_log(db)
    for i in range(1, 4):
        await log.append(_entry(f"e{i}"))
    forged = await log.get("acme", "e2")
    forged_hash = entry_hash(AuditEntry(**{**forged.__dict__, "actor": "mallory"}))
    async with db.transaction() as conn:
        await conn.execute(sa.update(audit_entries).where(audit_entries.c.id == "e2")
                           .values(actor="mallory", hash=forged_hash))
    verdict = await log.verify("acme")
    assert (verdict.first_bad, verdict.entries_checked) == ("e3", 3)
    assert verdict.reason.startswith("previous_hash mismatch")


async def test_verify_walks_across_batches(db: DatabaseConnection,
                                           monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr("services.audit_log.core.log.VERIFY_BATCH", 2)
    log = audit_log(db)
    for i in range(1, 6):
        await log.append(_entry(f"e{i}"))
    verdict = await log.verify("acme")
    assert verdict.valid and verdict.entries_checked == 5


async def test_verify_reports_entries_deleted_from_the_end(db: DatabaseConnection) -> None:
    log = audit_log(db)
    for i in range(1, 5):
        await log.append(_entry(f"e{i}"))
    async with db.transaction() as conn:
        await conn.execute(sa.delete(audit_entries).where(audit_entries.c.id.in_(["e3", "e4"])))
    verdict = await log.verify("acme")
    assert (verdict.valid, verdict.first_bad, verdict.entries_checked) == (False, "e4", 2)
    assert verdict.reason.startswith("truncated")


async def test_verify_reports_a_rehashed_last_entry(db: DatabaseConnection) -> None:
    log = audit_log(db)
    for i in range(1, 4):
        await log.append(_entry(f"e{i}"))
    last = await log.get("acme", "e3")
    forged_hash = entry_hash(AuditEntry(**{**last.__dict__, "actor": "mallory"}))
    async with db.transaction() as conn:
        await conn.execute(sa.update(audit_entries).where(audit_entries.c.id == "e3")
                           .values(actor="mallory", hash=forged_hash))
    verdict = await log.verify("acme")
    assert (verdict.valid, verdict.first_bad) == (False, "e3")
    assert "chain head" in verdict.reason


async def test_the_head_moves_with_every_append(db: DatabaseConnection) -> None:
    log = audit_log(db)
    await log.append(_entry("e1"))
    last = await log.append(_entry("e2"))
    async with db.connect() as conn:
        head = (await conn.execute(sa.select(chain_heads))).one()
    assert (head.tenant, head.sequence, head.hash, head.entry_id) == ("acme", 2, last.hash, "e2")
