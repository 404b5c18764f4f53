"""Alerts raised directly through Envoy, as the orchestrator raises one for an escalated task:
created FIRING, found by label and state, resolved once; bad input named in a BadRequest."""

from __future__ import annotations

import grpc
import pytest

from cognition.observability.v1 import alert_pb2, alert_rule_pb2
from cognition.observability.v1 import observability_service_pb2 as pb
from cognition.observability.v1 import observability_service_pb2_grpc as pb_grpc
from shared.errors import InvalidArgument
from shared.rpc.status import from_rpc_error
from tests.integration.conftest import Rest


def _escalation(tenant: str, goal: str) -> alert_pb2.Alert:
    return alert_pb2.Alert(
        summary="task t1 failed 3 times; goal paused, operator notified",
        severity=alert_rule_pb2.SEVERITY_CRITICAL, source="services/agent-orchestrator",
        labels={"goal": f"tenants/{tenant}/goals/{goal}", "task": "t1", "agent": "executor-1"},
        description="last error: deadline exceeded")


async def _violations(call: grpc.aio.UnaryUnaryMultiCallable, request: object) -> list[str]:
    with pytest.raises(grpc.aio.AioRpcError) as caught:
        await call(request, timeout=10)
    assert caught.value.code() is grpc.StatusCode.INVALID_ARGUMENT
    error = from_rpc_error(caught.value)
    assert isinstance(error, InvalidArgument)
    return [v.field for v in error.violations]


async def test_an_alert_is_raised_found_and_resolved(envoy_channel: grpc.aio.Channel,
                                                     tenant: str) -> None:
    stub = pb_grpc.ObservabilityServiceStub(envoy_channel)
    parent = f"tenants/{tenant}"
    created = (await stub.CreateAlert(pb.CreateAlertRequest(
        parent=parent, alert=_escalation(tenant, "g1")), timeout=10)).alert
    other = (await stub.CreateAlert(pb.CreateAlertRequest(
        parent=parent, alert=_escalation(tenant, "g2")), timeout=10)).alert
    assert created.name.startswith(f"{parent}/alerts/")
    assert created.state == alert_pb2.ALERT_STATE_FIRING and created.rule == ""
    assert created.labels["goal"] == f"{parent}/goals/g1"

    by_goal = f'labels.goal = "{parent}/goals/g1"'
    listed = await stub.ListAlerts(pb.ListAlertsRequest(
        parent=parent, filter=f"state = ALERT_STATE_FIRING AND {by_goal}"), timeout=10)
    assert [a.name for a in listed.alerts] == [created.name]
    everything = await stub.ListAlerts(pb.ListAlertsRequest(parent=parent), timeout=10)
    assert [a.name for a in everything.alerts] == [other.name, created.name]

    resolved = (await stub.ResolveAlert(pb.ResolveAlertRequest(name=created.name),
                                        timeout=10)).alert
    assert resolved.state == alert_pb2.ALERT_STATE_RESOLVED and resolved.HasField("end_time")
    with pytest.raises(grpc.aio.AioRpcError) as again:
        await stub.ResolveAlert(pb.ResolveAlertRequest(name=created.name), timeout=10)
    assert again.value.code() is grpc.StatusCode.FAILED_PRECONDITION

    firing = await stub.ListAlerts(pb.ListAlertsRequest(
        parent=parent, filter=f"state = ALERT_STATE_FIRING AND {by_goal}"), timeout=10)
    assert list(firing.alerts) == []
    done = await stub.ListAlerts(pb.ListAlertsRequest(
        parent=parent, filter="state = ALERT_STATE_RESOLVED"), timeout=10)
    assert [a.name for a in done.alerts] == [created.name]


async def test_bad_alert_input_is_named_and_nothing_is_written(
        envoy_channel: grpc.aio.Channel, tenant: str) -> None:
    stub = pb_grpc.ObservabilityServiceStub(envoy_channel)
    parent = f"tenants/{tenant}"
    no_summary = _escalation(tenant, "g1")
    no_summary.ClearField("summary")
    assert "alert.summary" in await _violations(
        stub.CreateAlert, pb.CreateAlertRequest(parent=parent, alert=no_summary))
    assert "alert" in await _violations(stub.CreateAlert, pb.CreateAlertRequest(parent=parent))
    assert await _violations(stub.ListAlerts, pb.ListAlertsRequest(
        parent=parent, filter="labels.goal = unquoted")) == ["filter"]
    listed = await stub.ListAlerts(pb.ListAlertsRequest(parent=parent), timeout=10)
    assert list(listed.alerts) == []
    with pytest.raises(grpc.aio.AioRpcError) as unknown:
        await stub.ResolveAlert(pb.ResolveAlertRequest(name=f"{parent}/alerts/nope"),
                                timeout=10)
    assert unknown.value.code() is grpc.StatusCode.NOT_FOUND


async def test_alerts_over_rest(rest_api: Rest, tenant: str) -> None:
    status, reply = await rest_api("POST", f"/v1/tenants/{tenant}/alerts", {
        "summary": "goal paused", "severity": "SEVERITY_CRITICAL",
        "labels": {"goal": f"tenants/{tenant}/goals/g1"}})
    assert status == 200, reply
    created = reply["alert"]
    assert created["state"] == "ALERT_STATE_FIRING"
    status, resolved = await rest_api("POST", f"/v1/{created['name']}:resolve", {})
    assert status == 200, resolved
    assert resolved["alert"]["state"] == "ALERT_STATE_RESOLVED"
    status, reply = await rest_api("POST", f"/v1/tenants/{tenant}/alerts", {"summary": ""})
    assert status == 400, reply
    bad = [d for d in reply["details"] if d["@type"].endswith("google.rpc.BadRequest")]
    assert [v["field"] for v in bad[0]["fieldViolations"]] == ["alert.summary"]
