from __future__ import annotations

import datetime as dt

import pytest

from services.explainability.core.explanations import ExplanationService
from services.explainability.core.models import (
    AuditRecord,
    EvidenceKind,
    Explanation,
    ExplanationState,
)
from services.explainability.repository import explanation_repository
from shared.database import DatabaseConnection, PageRequest
from shared.errors import InvalidArgument, NotFound, Unavailable

T0 = dt.datetime(2026, 3, 1, 9, 0, tzinfo=dt.UTC)


class ListTrail:
    """An audit trail over a fixed list of records."""

    def __init__(self, records: list[AuditRecord]) -> None:
        self.records = records
        self.asked: list[tuple[str, str]] = []

    async def actions_on(self, tenant: str, subject: str) -> list[AuditRecord]:
        self.asked.append((tenant, subject))
        return [r for r in self.records if r.resource == subject]


class DownTrail:
    """An audit trail whose service cannot be reached."""

    async def actions_on(self, tenant: str, subject: str) -> list[AuditRecord]:
        raise Unavailable("audit-log is down")


def _record(n: int, resource: str = "tenants/acme/goals/g1") -> AuditRecord:
    return AuditRecord(name=f"tenants/acme/auditEntries/e{n}", actor="alice",
                       action="planner.goal.create", resource=resource, outcome="SUCCESS",
                       trace_id="ab" * 16, time=T0 + dt.timedelta(minutes=n))


async def test_create_stores_a_ready_explanation_with_evidence(db: DatabaseConnection) -> None:
    trail = ListTrail([_record(1), _record(2), _record(3, "tenants/acme/goals/other")])
    service = ExplanationService(explanation_repository(db), trail)
    created = await service.create(Explanation(tenant="acme", id="x1",
                                               subject="tenants/acme/goals/g1", question="why?"))
    assert trail.asked == [("acme", "tenants/acme/goals/g1")]
    assert created.state is ExplanationState.READY
    assert created.trace_id == "ab" * 16
    assert "2 recorded actions" in created.answer
    assert [e.source for e in created.evidence] == [
        "tenants/acme/auditEntries/e1", "tenants/acme/auditEntries/e2"]
    stored = await service.get("acme", "x1")
    assert stored == created
    assert stored.evidence[0].kind is EvidenceKind.AUDIT_ENTRY
    assert stored.evidence[0].time == T0 + dt.timedelta(minutes=1)


async def test_subject_of_another_tenant_is_refused(db: DatabaseConnection) -> None:
    service = ExplanationService(explanation_repository(db), ListTrail([]))
    with pytest.raises(InvalidArgument) as error:
        await service.create(Explanation(tenant="acme", id="x1",
                                         subject="tenants/globex/goals/g1"))
    assert error.value.violations[0].field == "explanation.subject"


async def test_unreachable_audit_log_stores_nothing(db: DatabaseConnection) -> None:
    service = ExplanationService(explanation_repository(db), DownTrail())
    with pytest.raises(Unavailable):
        await service.create(Explanation(tenant="acme", id="x1",
                                         subject="tenants/acme/goals/g1"))
    assert (await service.list("acme", PageRequest())).items == []


async def test_list_and_delete(db: DatabaseConnection) -> None:
    service = ExplanationService(explanation_repository(db), ListTrail([]))
    for i in range(3):
        await service.create(Explanation(tenant="acme", id=f"x{i}",
                                         subject=f"tenants/acme/goals/g{i}"))
    page = await service.list("acme", PageRequest(size=2))
    assert [e.id for e in page.items] == ["x2", "x1"] and page.next_page_token
    await service.delete("acme", "x1")
    with pytest.raises(NotFound):
        await service.get("acme", "x1")
    assert [e.id for e in (await service.list("acme", PageRequest())).items] == ["x2", "x0"]
