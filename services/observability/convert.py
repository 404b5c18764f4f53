"""Conversion between the observability service's protobuf messages and its domain models."""

from __future__ import annotations

import datetime as dt
import enum
from typing import TypeVar

from google.protobuf import duration_pb2

from cognition.observability.v1 import alert_pb2, alert_rule_pb2
from cognition.observability.v1 import observability_service_pb2 as pb
from services.observability.core.models import (
    Alert,
    AlertRule,
    AlertRuleState,
    AlertState,
    Comparison,
    Severity,
)
from shared.proto.fields import enum_from_proto, enum_to_proto, masked_changes, timestamp
from shared.resources import names
from shared.resources.filters import EnumValue, FilterSpec, MapEntry, ResourceName, Text
from shared.rpc.standard_methods import StandardResource

COLLECTION = "alertRules"
ALERTS = "alerts"

# The fields of the List filters, as their contracts document them.
ALERT_RULE_FILTER = FilterSpec(
    state=EnumValue(alert_rule_pb2.AlertRuleState, AlertRuleState),
    severity=EnumValue(alert_rule_pb2.Severity, Severity),
    metric=Text())
ALERT_FILTER = FilterSpec(
    state=EnumValue(alert_pb2.AlertState, AlertState),
    severity=EnumValue(alert_rule_pb2.Severity, Severity),
    rule=ResourceName(COLLECTION),
    source=Text(),
    labels=MapEntry(key_pattern=r"[a-z][a-z0-9_]{0,62}"))

D = TypeVar("D", bound=enum.Enum)


def _duration(value: dt.timedelta) -> duration_pb2.Duration:
    duration = duration_pb2.Duration()
    duration.FromTimedelta(value)
    return duration


def rule_to_proto(rule: AlertRule) -> alert_rule_pb2.AlertRule:
    return alert_rule_pb2.AlertRule(
        name=names.format_name(rule.tenant, COLLECTION, rule.id),
        display_name=rule.display_name,
        metric=rule.metric,
        comparison=enum_to_proto(alert_rule_pb2.Comparison, rule.comparison),
        threshold=rule.threshold,
        for_duration=_duration(rule.for_duration),
        severity=enum_to_proto(alert_rule_pb2.Severity, rule.severity),
        state=enum_to_proto(alert_rule_pb2.AlertRuleState, rule.state),
        create_time=timestamp(rule.create_time),
        update_time=timestamp(rule.update_time),
        etag=rule.etag,
    )


def comparison_from_proto(value: int) -> Comparison:
    """Proto comparison to domain; protovalidate has already refused UNSPECIFIED."""
    return enum_from_proto(alert_rule_pb2.Comparison, value, Comparison, Comparison.GREATER_THAN)


def severity_from_proto(value: int) -> Severity:
    """Proto severity to domain; UNSPECIFIED means WARNING."""
    return enum_from_proto(alert_rule_pb2.Severity, value, Severity, Severity.WARNING)


def for_duration_from_proto(message: alert_rule_pb2.AlertRule) -> dt.timedelta:
    """How long the comparison must hold; unset means zero (fire at once)."""
    return message.for_duration.ToTimedelta()


def new_rule(tenant: str, rule_id: str, message: alert_rule_pb2.AlertRule) -> AlertRule:
    """The domain rule to create from a CreateAlertRule request's rule."""
    return AlertRule(
        tenant=tenant,
        id=rule_id,
        display_name=message.display_name,
        metric=message.metric,
        comparison=comparison_from_proto(message.comparison),
        threshold=message.threshold,
        for_duration=for_duration_from_proto(message),
        severity=severity_from_proto(message.severity),
        state=AlertRuleState.OK,
    )


def rule_changes(message: alert_rule_pb2.AlertRule, paths: set[str]) -> dict[str, object]:
    """The domain field values an UpdateAlertRule request sets, for the masked paths."""
    return masked_changes(paths, {
        "display_name": lambda: message.display_name,
        "metric": lambda: message.metric,
        "comparison": lambda: comparison_from_proto(message.comparison),
        "threshold": lambda: message.threshold,
        "for_duration": lambda: for_duration_from_proto(message),
        "severity": lambda: severity_from_proto(message.severity),
    })


def alert_to_proto(alert: Alert) -> alert_pb2.Alert:
    return alert_pb2.Alert(
        name=names.format_name(alert.tenant, ALERTS, alert.id),
        rule=names.format_name(alert.tenant, COLLECTION, alert.rule) if alert.rule else "",
        severity=enum_to_proto(alert_rule_pb2.Severity, alert.severity),
        summary=alert.summary,
        state=enum_to_proto(alert_pb2.AlertState, alert.state),
        start_time=timestamp(alert.start_time),
        end_time=timestamp(alert.end_time),
        source=alert.source,
        labels=alert.labels,
        description=alert.description,
    )


def new_alert(tenant: str, alert_id: str, message: alert_pb2.Alert) -> Alert:
    """The domain alert to raise from a CreateAlert request's alert; output-only fields are
    ignored."""
    return Alert(
        tenant=tenant,
        id=alert_id,
        summary=message.summary,
        severity=severity_from_proto(message.severity),
        source=message.source,
        labels=dict(message.labels),
        description=message.description,
    )


ALERT_RULES = StandardResource(pb, "AlertRule", "AlertRules", COLLECTION, to_proto=rule_to_proto,
                               from_proto=new_rule, changes=rule_changes,
                               filter=ALERT_RULE_FILTER)
ALERT_RESOURCE = StandardResource(pb, "Alert", "Alerts", ALERTS, to_proto=alert_to_proto,
                                  filter=ALERT_FILTER)
