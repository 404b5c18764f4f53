"""Conversion between the observability service's protobuf messages and its domain models."""

from __future__ import annotations

import datetime as dt

from google.protobuf import duration_pb2

from cognition.observability.v1 import alert_rule_pb2
from services.observability.core.models import AlertRule, AlertRuleState, Comparison, Severity
from shared import names
from shared.protos import enum_from_proto, enum_to_proto, timestamp

COLLECTION = "alertRules"


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
    values: dict[str, object] = {
        "display_name": message.display_name,
        "metric": message.metric,
        "comparison": comparison_from_proto(message.comparison),
        "threshold": message.threshold,
        "for_duration": for_duration_from_proto(message),
        "severity": severity_from_proto(message.severity),
    }
    return {path: values[path] for path in paths}
