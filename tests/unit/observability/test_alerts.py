"""Alerts raised directly: AlertService over a migrated SQLite database, the ListAlerts filter,
migration 0004, and the three RPCs on a real server."""

from __future__ import annotations

import datetime as dt
import pathlib
from collections.abc import AsyncIterator
from typing import Any

import grpc
import pytest
import sqlalchemy as sa
from alembic import command
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext

from cognition.observability.v1 import alert_pb2, alert_rule_pb2
from cognition.observability.v1 import observability_service_pb2 as pb
from cognition.observability.v1 import observability_service_pb2_grpc as pb_grpc
from services.observability import convert
from services.observability.config import Settings
from services.observability.core.alerts import AlertService
from services.observability.core.models import Alert, AlertState, Severity
from services.observability.repository import AlertRepository, metadata
from services.observability.server import MIGRATIONS, create_server
from shared.database import DatabaseConnection, PageRequest
from shared.database.migrations import alembic_config, upgrade
from shared.errors import FailedPrecondition, InvalidArgument, NotFound
from tests.helpers import bad_fields, mesh_channel

GOAL = "tenants/acme/goals/g1"
START = dt.datetime(2026, 11, 26, 12, 0, tzinfo=dt.UTC)


class StepClock:
    """A clock one second later at every reading, so alerts are ordered by creation."""

    def __init__(self) -> None:
        self.now = START

    def __call__(self) -> dt.datetime:
        self.now += dt.timedelta(seconds=1)
        return self.now


def _alert(alert_id: str, tenant: str = "acme", **changes: Any) -> Alert:
    fields: dict[str, Any] = {
        "summary": "task failed and was escalated", "severity": Severity.CRITICAL,
        "source": "services/agent-orchestrator", "labels": {"goal": GOAL, "task": "t1"},
        "description": "attempt 3 of 3 failed: timeout", **changes}
    return Alert(tenant=tenant, id=alert_id, **fields)


@pytest.fixture(params=["sqlite", "postgresql"])
async def service(request: pytest.FixtureRequest, db: DatabaseConnection
                  ) -> AsyncIterator[AlertService]:
    """The service on SQLite, and on PostgreSQL when reachable (JSON label filters differ)."""
    if request.param == "sqlite":
        yield AlertService(AlertRepository(db), clock=StepClock())
        return
    database = DatabaseConnection(request.getfixturevalue("postgres_url"),
                                  schema=request.getfixturevalue("postgres_schema"))
    await upgrade(database, MIGRATIONS)
    yield AlertService(AlertRepository(database), clock=StepClock())
    await database.dispose()


async def test_raise_stores_a_firing_alert_with_what_the_caller_gave(
        service: AlertService) -> None:
    raised = await service.raise_alert(_alert("a1", rule="errors", state=AlertState.RESOLVED,
                                              end_time=START))
    assert raised.state is AlertState.FIRING and raised.end_time is None and raised.rule == ""
    assert raised.start_time == raised.create_time > START
    stored = await service.get("acme", "a1")
    assert stored == raised
    assert stored.labels == {"goal": GOAL, "task": "t1"}
    assert (stored.source, stored.severity) == ("services/agent-orchestrator", Severity.CRITICAL)


async def test_list_is_newest_first_paged_filtered_and_tenant_scoped(
        service: AlertService) -> None:
    await service.raise_alert(_alert("a1"))
    await service.raise_alert(_alert("a2", labels={"goal": "tenants/acme/goals/other"}))
    await service.raise_alert(_alert("a3", severity=Severity.INFO))
    await service.raise_alert(_alert("b1", tenant="globex"))
    await service.resolve("acme", "a1")

    page = await service.list("acme", PageRequest(size=2))
    assert [a.id for a in page.items] == ["a3", "a2"]
    rest = await service.list("acme", PageRequest.of(2, page.next_page_token))
    assert [a.id for a in rest.items] == ["a1"] and rest.next_page_token == ""

    async def ids(text: str) -> list[str]:
        matching = convert.ALERT_FILTER.parse(text, "acme")
        return [a.id for a in (await service.list("acme", PageRequest(), matching)).items]

    assert await ids(f'labels.goal = "{GOAL}"') == ["a3", "a1"]
    assert await ids(f'state = ALERT_STATE_FIRING AND labels.goal = "{GOAL}"') == ["a3"]
    assert await ids("state = ALERT_STATE_RESOLVED") == ["a1"]
    assert await ids("severity = SEVERITY_INFO") == ["a3"]
    assert await ids(f'labels.goal = "{GOAL}" AND labels.task = "t2"') == []
    assert await ids('labels.agent = "x"') == []
    assert await ids(f'labels.goal != "{GOAL}"') == ["a2"]
    assert await ids('source = "services/agent-orchestrator"') == ["a3", "a2", "a1"]


async def test_resolve_ends_a_firing_alert_once(service: AlertService) -> None:
    raised = await service.raise_alert(_alert("a1"))
    resolved = await service.resolve("acme", "a1")
    assert resolved.state is AlertState.RESOLVED
    assert resolved.end_time is not None and resolved.end_time > raised.start_time
    assert resolved.etag != raised.etag
    assert await service.get("acme", "a1") == resolved
    with pytest.raises(FailedPrecondition) as again:
        await service.resolve("acme", "a1")
    assert again.value.reason == "ALERT_ALREADY_RESOLVED"
    with pytest.raises(NotFound):
        await service.resolve("acme", "missing")
    with pytest.raises(NotFound):
        await service.resolve("globex", "a1")


def test_filter_parses_every_documented_term() -> None:
    parsed = convert.ALERT_FILTER.parse(
        'state = ALERT_STATE_FIRING AND severity=SEVERITY_CRITICAL AND labels.goal = "a AND b" '
        'AND rule = "tenants/acme/alertRules/errors" AND source = "services/x" '
        'AND labels.task = ""', "acme")
    assert [(t.field, t.key, t.value) for t in parsed.terms] == [
        ("state", "", AlertState.FIRING), ("severity", "", Severity.CRITICAL),
        ("labels", "goal", "a AND b"), ("rule", "", "errors"), ("source", "", "services/x"),
        ("labels", "task", "")]
    assert convert.ALERT_FILTER.parse("  ", "acme").terms == ()


@pytest.mark.parametrize("text", [
    "state = FIRING",
    "state = ALERT_STATE_UNSPECIFIED",
    'state = "ALERT_STATE_FIRING"',
    "labels.goal = tenants/acme/goals/g1",
    'labels.Goal = "x"',
    'labels = "x"',
    'goal = "x"',
    'labels.goal = "x" labels.task = "y"',
    'labels.goal = "x" OR labels.task = "y"',
    'labels.goal = "x" AND labels.goal = "y"',
    'labels.goal = "x" AND',
    'rule = "tenants/globex/alertRules/errors"',
    'rule = "errors"',
])
def test_bad_filters_are_invalid_arguments_naming_filter(text: str) -> None:
    with pytest.raises(InvalidArgument) as caught:
        convert.ALERT_FILTER.parse(text, "acme")
    assert [v.field for v in caught.value.violations] == ["filter"]


def _differences(connection: sa.Connection) -> list[Any]:
    # Tables of shared/ (idempotency keys, audit outbox) are not in this service's metadata.
    context = MigrationContext.configure(connection, opts={"compare_type": False})
    return [d for d in compare_metadata(context, metadata)
            if not (isinstance(d, tuple) and d[0] in ("remove_table", "remove_index")
                    and d[1].name not in metadata.tables
                    and getattr(getattr(d[1], "table", None), "name", None)
                    not in metadata.tables)]


async def test_0004_matches_the_repository_tables_and_downgrades(db: DatabaseConnection) -> None:
    async with db.connect() as conn:
        assert await conn.run_sync(_differences) == []
    config = alembic_config(MIGRATIONS)

    def downgrade(connection: sa.Connection) -> None:
        config.attributes["connection"] = connection
        command.downgrade(config, "0003")

    async with db.transaction() as conn:
        await conn.run_sync(downgrade)
    async with db.connect() as conn:
        assert "alerts" not in await conn.run_sync(
            lambda c: set(sa.inspect(c).get_table_names()))
    await upgrade(db, MIGRATIONS)



async def test_server_raises_lists_and_resolves_alerts(tmp_path: pathlib.Path) -> None:
    running = await create_server(Settings(port=0, mesh={"data_dir": str(tmp_path)}))
    try:
        async with mesh_channel(f"127.0.0.1:{running.port}") as channel:
            stub = pb_grpc.ObservabilityServiceStub(channel)
            request = pb.CreateAlertRequest(parent="tenants/acme", request_id="escalate-1",
                                            alert=alert_pb2.Alert(
                                                summary="task t1 escalated",
                                                severity=alert_rule_pb2.SEVERITY_CRITICAL,
                                                source="services/agent-orchestrator",
                                                labels={"goal": GOAL},
                                                state=alert_pb2.ALERT_STATE_RESOLVED))
            created = (await stub.CreateAlert(request)).alert
            assert created.name.startswith("tenants/acme/alerts/")
            assert created.state == alert_pb2.ALERT_STATE_FIRING
            assert created.HasField("start_time") and not created.HasField("end_time")
            assert (await stub.CreateAlert(request)).alert == created  # replayed by request_id

            listed = await stub.ListAlerts(pb.ListAlertsRequest(
                parent="tenants/acme", filter=f'labels.goal = "{GOAL}"'))
            assert list(listed.alerts) == [created]

            resolved = (await stub.ResolveAlert(pb.ResolveAlertRequest(name=created.name))).alert
            assert resolved.state == alert_pb2.ALERT_STATE_RESOLVED
            assert resolved.HasField("end_time")
            with pytest.raises(grpc.aio.AioRpcError) as again:
                await stub.ResolveAlert(pb.ResolveAlertRequest(name=created.name))
            assert again.value.code() == grpc.StatusCode.FAILED_PRECONDITION
            with pytest.raises(grpc.aio.AioRpcError) as unknown:
                await stub.ResolveAlert(pb.ResolveAlertRequest(name="tenants/acme/alerts/nope"))
            assert unknown.value.code() == grpc.StatusCode.NOT_FOUND

            firing = await stub.ListAlerts(pb.ListAlertsRequest(
                parent="tenants/acme", filter="state = ALERT_STATE_FIRING"))
            assert list(firing.alerts) == []

            for bad, field in [
                (pb.CreateAlertRequest(parent="tenants/acme", alert=alert_pb2.Alert()),
                 "alert.summary"),
                (pb.CreateAlertRequest(parent="tenants/acme"), "alert"),
                (pb.CreateAlertRequest(parent="tenants/acme", alert=alert_pb2.Alert(
                    summary="x", labels={f"k{i}": "v" for i in range(33)})), "alert.labels"),
                (pb.CreateAlertRequest(parent="tenants/acme", alert=alert_pb2.Alert(
                    summary="x", source="s" * 201)), "alert.source"),
            ]:
                with pytest.raises(grpc.aio.AioRpcError) as caught:
                    await stub.CreateAlert(bad)
                assert caught.value.code() == grpc.StatusCode.INVALID_ARGUMENT
                assert field in bad_fields(caught.value)
            with pytest.raises(grpc.aio.AioRpcError) as bad_filter:
                await stub.ListAlerts(pb.ListAlertsRequest(parent="tenants/acme",
                                                           filter="state = BURNING"))
            assert bad_fields(bad_filter.value) == ["filter"]
            assert len((await stub.ListAlerts(pb.ListAlertsRequest(
                parent="tenants/acme"))).alerts) == 1
    finally:
        await running.stop(0)
