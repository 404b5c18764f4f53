from __future__ import annotations

import datetime as dt

from services.explainability.core import narrative
from services.explainability.core.models import AuditRecord, EvidenceKind

T0 = dt.datetime(2026, 3, 1, 9, 0, tzinfo=dt.UTC)


def _record(n: int, actor: str, action: str, outcome: str = "SUCCESS",
            trace_id: str = "") -> AuditRecord:
    return AuditRecord(name=f"tenants/acme/auditEntries/e{n}", actor=actor, action=action,
                       resource="tenants/acme/goals/g1", outcome=outcome, trace_id=trace_id,
                       time=T0 + dt.timedelta(minutes=n))


def test_answer_lists_actions_in_time_order() -> None:
    records = [_record(1, "alice", "planner.goal.create"),
               _record(2, "bob", "planner.goal.cancel", "DENIED")]
    text = narrative.answer("tenants/acme/goals/g1", records)
    assert text.splitlines() == [
        "tenants/acme/goals/g1 has 2 recorded actions, oldest first:",
        "1. 2026-03-01 09:01:00 UTC: alice did planner.goal.create (success).",
        "2. 2026-03-01 09:02:00 UTC: bob did planner.goal.cancel (denied).",
    ]


def test_answer_without_records_says_so() -> None:
    assert narrative.answer("tenants/acme/goals/g1", []) == (
        "No actions on tenants/acme/goals/g1 are recorded in the audit log.")


def test_evidence_points_at_the_entry() -> None:
    evidence = narrative.evidence_of(_record(3, "alice", "planner.goal.create", "FAILURE"))
    assert evidence.kind is EvidenceKind.AUDIT_ENTRY
    assert evidence.source == "tenants/acme/auditEntries/e3"
    assert evidence.summary == (
        "alice did planner.goal.create (failure) on tenants/acme/goals/g1.")
    assert evidence.time == T0 + dt.timedelta(minutes=3)


def test_trace_is_that_of_the_earliest_traced_action() -> None:
    records = [_record(1, "alice", "a.b"), _record(2, "bob", "a.c", trace_id="1" * 32),
               _record(3, "carol", "a.d", trace_id="2" * 32)]
    assert narrative.trace_of(records) == "1" * 32
    assert narrative.trace_of(records[:1]) == ""
