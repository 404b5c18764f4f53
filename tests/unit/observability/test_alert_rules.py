from __future__ import annotations

import datetime as dt

import pytest

from services.observability.core.alert_rules import AlertRuleService
from services.observability.core.models import (
    AlertRule,
    AlertRuleState,
    Comparison,
    Severity,
)
from services.observability.repository import alert_rule_repository
from shared.database import DatabaseConnection, PageRequest
from shared.errors import Aborted, AlreadyExists, NotFound


def _rule(rule_id: str = "errors", **changes: object) -> AlertRule:
    fields: dict[str, object] = {
        "display_name": "Too many errors", "metric": "cognos_rpc_errors_total",
        "comparison": Comparison.GREATER_THAN, "threshold": 0.25,
        "for_duration": dt.timedelta(minutes=5), **changes}
    return AlertRule(tenant="acme", id=rule_id, **fields)  # type: ignore[arg-type]


async def test_create_round_trips_every_field(db: DatabaseConnection) -> None:
    service = AlertRuleService(alert_rule_repository(db))
    created = await service.create(_rule(state=AlertRuleState.FIRING))
    assert created.state is AlertRuleState.OK and created.severity is Severity.WARNING
    stored = await service.get("acme", "errors")
    assert stored == created
    assert stored.for_duration == dt.timedelta(minutes=5)
    assert stored.threshold == 0.25
    with pytest.raises(AlreadyExists):
        await service.create(_rule())


async def test_update_changes_fields_and_checks_the_etag(db: DatabaseConnection) -> None:
    service = AlertRuleService(alert_rule_repository(db))
    created = await service.create(_rule())
    updated = await service.update("acme", "errors", {"threshold": 1e-9,
                                                      "severity": Severity.CRITICAL,
                                                      "for_duration": dt.timedelta(0)},
                                   created.etag)
    assert (updated.threshold, updated.severity) == (1e-9, Severity.CRITICAL)
    assert (await service.get("acme", "errors")).for_duration == dt.timedelta(0)
    with pytest.raises(Aborted):
        await service.update("acme", "errors", {"threshold": 2.0}, created.etag)


async def test_list_pages_and_delete(db: DatabaseConnection) -> None:
    service = AlertRuleService(alert_rule_repository(db))
    for i in range(3):
        await service.create(_rule(f"r{i}"))
    page = await service.list("acme", PageRequest(size=2))
    assert [r.id for r in page.items] == ["r2", "r1"]
    rest = await service.list("acme", PageRequest.of(2, page.next_page_token))
    assert [r.id for r in rest.items] == ["r0"] and rest.next_page_token == ""
    await service.delete("acme", "r1")
    with pytest.raises(NotFound):
        await service.get("acme", "r1")
    assert (await service.list("globex", PageRequest())).items == []
