"""gRPC servicer of cognition.observability.v1.ObservabilityService: proto in, domain call,
proto out."""

from __future__ import annotations

import grpc

from cognition.observability.v1 import observability_service_pb2 as pb
from cognition.observability.v1 import observability_service_pb2_grpc as pb_grpc
from services.observability import convert
from services.observability.convert import ALERT_RESOURCE, ALERT_RULES
from services.observability.core.alert_rules import AlertRuleService
from services.observability.core.alerts import AlertService
from shared.resources import names
from shared.rpc.standard_methods import standard_methods


class ObservabilityServicer(pb_grpc.ObservabilityServiceServicer):
    """Alert rules and alerts. Spans and metrics arrive with the OTLP receiver."""

    (CreateAlertRule, GetAlertRule, ListAlertRules, UpdateAlertRule,
     DeleteAlertRule) = standard_methods(ALERT_RULES, "_rules")
    (ListAlerts,) = standard_methods(ALERT_RESOURCE, "_alerts", "list")

    def __init__(self, rules: AlertRuleService, alerts: AlertService) -> None:
        self._rules = rules
        self._alerts = alerts

    async def CreateAlert(self, request: pb.CreateAlertRequest,
                          context: grpc.aio.ServicerContext) -> pb.CreateAlertResponse:
        tenant = names.parse_parent(request.parent)
        alert = await self._alerts.raise_alert(
            convert.new_alert(tenant, names.new_id(), request.alert))
        return pb.CreateAlertResponse(alert=convert.alert_to_proto(alert))

    async def ResolveAlert(self, request: pb.ResolveAlertRequest,
                           context: grpc.aio.ServicerContext) -> pb.ResolveAlertResponse:
        tenant, alert_id = names.parse_name(request.name, convert.ALERTS)
        alert = await self._alerts.resolve(tenant, alert_id)
        return pb.ResolveAlertResponse(alert=convert.alert_to_proto(alert))
