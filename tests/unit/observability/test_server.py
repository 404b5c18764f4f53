from __future__ import annotations

import pathlib

import grpc
import pytest
from google.protobuf import duration_pb2, field_mask_pb2

from cognition.observability.v1 import alert_rule_pb2
from cognition.observability.v1 import observability_service_pb2 as pb
from cognition.observability.v1 import observability_service_pb2_grpc as pb_grpc
from services.observability.config import Settings
from services.observability.server import create_server
from tests.helpers import mesh_channel


def _rule(**fields: object) -> alert_rule_pb2.AlertRule:
    values: dict[str, object] = {
        "display_name": "Too many errors", "metric": "cognos_rpc_errors_total",
        "comparison": alert_rule_pb2.COMPARISON_GREATER_THAN, "threshold": 5.0, **fields}
    return alert_rule_pb2.AlertRule(**values)  # type: ignore[arg-type]


async def test_server_serves_alert_rule_crud(tmp_path: pathlib.Path) -> None:
    running = await create_server(Settings(port=0, mesh={"data_dir": str(tmp_path)}))
    try:
        async with mesh_channel(f"127.0.0.1:{running.port}") as channel:
            stub = pb_grpc.ObservabilityServiceStub(channel)
            created = (await stub.CreateAlertRule(pb.CreateAlertRuleRequest(
                parent="tenants/acme", alert_rule_id="errors",
                alert_rule=_rule(state=alert_rule_pb2.ALERT_RULE_STATE_FIRING)))).alert_rule
            assert created.name == "tenants/acme/alertRules/errors"
            assert created.state == alert_rule_pb2.ALERT_RULE_STATE_OK
            assert created.severity == alert_rule_pb2.SEVERITY_WARNING

            got = await stub.GetAlertRule(pb.GetAlertRuleRequest(name=created.name))
            assert got.alert_rule == created
            listed = await stub.ListAlertRules(pb.ListAlertRulesRequest(parent="tenants/acme"))
            assert [r.name for r in listed.alert_rules] == [created.name]

            updated = (await stub.UpdateAlertRule(pb.UpdateAlertRuleRequest(
                alert_rule=_rule(name=created.name, etag=created.etag,
                                 for_duration=duration_pb2.Duration(seconds=300)),
                update_mask=field_mask_pb2.FieldMask(paths=["for_duration"])))).alert_rule
            assert updated.for_duration.seconds == 300

            with pytest.raises(grpc.aio.AioRpcError) as bad_mask:
                await stub.UpdateAlertRule(pb.UpdateAlertRuleRequest(
                    alert_rule=_rule(name=created.name),
                    update_mask=field_mask_pb2.FieldMask(paths=["state"])))
            assert bad_mask.value.code() == grpc.StatusCode.INVALID_ARGUMENT

            with pytest.raises(grpc.aio.AioRpcError) as bad:
                await stub.CreateAlertRule(pb.CreateAlertRuleRequest(
                    parent="tenants/acme", alert_rule=_rule(metric="not a metric")))
            assert bad.value.code() == grpc.StatusCode.INVALID_ARGUMENT

            alerts = await stub.ListAlerts(pb.ListAlertsRequest(parent="tenants/acme"))
            assert list(alerts.alerts) == []

            await stub.DeleteAlertRule(pb.DeleteAlertRuleRequest(name=created.name))
            with pytest.raises(grpc.aio.AioRpcError) as gone:
                await stub.GetAlertRule(pb.GetAlertRuleRequest(name=created.name))
            assert gone.value.code() == grpc.StatusCode.NOT_FOUND
    finally:
        await running.stop(0)
