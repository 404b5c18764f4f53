"""gRPC servicer of cognition.observability.v1.ObservabilityService: proto in, domain call,
proto out."""

from __future__ import annotations

import grpc

from cognition.observability.v1 import observability_service_pb2 as pb
from cognition.observability.v1 import observability_service_pb2_grpc as pb_grpc
from services.observability import convert
from services.observability.core.alert_rules import UPDATABLE_FIELDS, AlertRuleService
from services.observability.core.alerts import AlertService
from shared.database import PageRequest
from shared.proto.fields import mask_paths
from shared.resources import names


class ObservabilityServicer(pb_grpc.ObservabilityServiceServicer):
    """Alert rules and alerts. Spans and metrics arrive with the OTLP receiver."""

    def __init__(self, rules: AlertRuleService, alerts: AlertService) -> None:
        self._rules = rules
        self._alerts = alerts

    async def CreateAlertRule(self, request: pb.CreateAlertRuleRequest,
                              context: grpc.aio.ServicerContext) -> pb.CreateAlertRuleResponse:
        tenant = names.parse_parent(request.parent)
        rule_id = names.choose_id(request.alert_rule_id, "alert_rule_id")
        rule = await self._rules.create(convert.new_rule(tenant, rule_id, request.alert_rule))
        return pb.CreateAlertRuleResponse(alert_rule=convert.rule_to_proto(rule))

    async def GetAlertRule(self, request: pb.GetAlertRuleRequest,
                           context: grpc.aio.ServicerContext) -> pb.GetAlertRuleResponse:
        tenant, rule_id = names.parse_name(request.name, convert.COLLECTION)
        rule = await self._rules.get(tenant, rule_id)
        return pb.GetAlertRuleResponse(alert_rule=convert.rule_to_proto(rule))

    async def ListAlertRules(self, request: pb.ListAlertRulesRequest,
                             context: grpc.aio.ServicerContext) -> pb.ListAlertRulesResponse:
        tenant = names.parse_parent(request.parent)
        matching = convert.ALERT_RULE_FILTER.parse(request.filter, tenant)
        page = await self._rules.list(tenant, PageRequest.of(request.page_size, request.page_token),
                                      matching)
        return pb.ListAlertRulesResponse(alert_rules=[convert.rule_to_proto(r) for r in page.items],
                                         next_page_token=page.next_page_token)

    async def UpdateAlertRule(self, request: pb.UpdateAlertRuleRequest,
                              context: grpc.aio.ServicerContext) -> pb.UpdateAlertRuleResponse:
        tenant, rule_id = names.parse_name(request.alert_rule.name, convert.COLLECTION,
                                           "alert_rule.name")
        paths = mask_paths(request.update_mask, UPDATABLE_FIELDS)
        rule = await self._rules.update(tenant, rule_id,
                                        convert.rule_changes(request.alert_rule, paths),
                                        request.alert_rule.etag)
        return pb.UpdateAlertRuleResponse(alert_rule=convert.rule_to_proto(rule))

    async def DeleteAlertRule(self, request: pb.DeleteAlertRuleRequest,
                              context: grpc.aio.ServicerContext) -> pb.DeleteAlertRuleResponse:
        tenant, rule_id = names.parse_name(request.name, convert.COLLECTION)
        await self._rules.delete(tenant, rule_id)
        return pb.DeleteAlertRuleResponse()

    async def CreateAlert(self, request: pb.CreateAlertRequest,
                          context: grpc.aio.ServicerContext) -> pb.CreateAlertResponse:
        tenant = names.parse_parent(request.parent)
        alert = await self._alerts.raise_alert(
            convert.new_alert(tenant, names.new_id(), request.alert))
        return pb.CreateAlertResponse(alert=convert.alert_to_proto(alert))

    async def ListAlerts(self, request: pb.ListAlertsRequest,
                         context: grpc.aio.ServicerContext) -> pb.ListAlertsResponse:
        tenant = names.parse_parent(request.parent)
        matching = convert.ALERT_FILTER.parse(request.filter, tenant)
        page = await self._alerts.list(
            tenant, PageRequest.of(request.page_size, request.page_token), matching)
        return pb.ListAlertsResponse(alerts=[convert.alert_to_proto(a) for a in page.items],
                                     next_page_token=page.next_page_token)

    async def ResolveAlert(self, request: pb.ResolveAlertRequest,
                           context: grpc.aio.ServicerContext) -> pb.ResolveAlertResponse:
        tenant, alert_id = names.parse_name(request.name, convert.ALERTS)
        alert = await self._alerts.resolve(tenant, alert_id)
        return pb.ResolveAlertResponse(alert=convert.alert_to_proto(alert))
