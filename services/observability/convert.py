"""Conversion between the observability service's protobuf messages and its domain models."""

from __future__ import annotations

import datetime as dt
import enum
import re
from typing import Any, TypeVar

from google.protobuf import duration_pb2

from cognition.observability.v1 import alert_pb2, alert_rule_pb2
from services.observability.core.models import (
    Alert,
    AlertFilter,
    AlertRule,
    AlertRuleState,
    AlertState,
    Comparison,
    Severity,
)
from shared import names
from shared.errors import InvalidArgument
from shared.protos import enum_from_proto, enum_to_proto, timestamp

COLLECTION = "alertRules"
ALERTS = "alerts"

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
    values: dict[str, object] = {
        "display_name": message.display_name,
        "metric": message.metric,
        "comparison": comparison_from_proto(message.comparison),
        "threshold": message.threshold,
        "for_duration": for_duration_from_proto(message),
        "severity": severity_from_proto(message.severity),
    }
    return {path: values[path] for path in paths}


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


# One term of a ListAlerts filter: an enum name for state/severity, a quoted string otherwise.
_TERM = re.compile(r'\s*(?P<field>state|severity|rule|source|labels\.[a-z][a-z0-9_]{0,62})\s*=\s*'
                   r'(?:"(?P<text>[^"]*)"|(?P<enum>[A-Z][A-Z0-9_]*))\s*')
_AND = re.compile(r"AND(?=\s)")
_FILTER_HELP = ('use state = ALERT_STATE_X, severity = SEVERITY_X, rule = "...", source = "..." '
                'or labels.<key> = "..." joined by AND')


def alert_filter(tenant: str, text: str) -> AlertFilter:
    """Parse a ListAlerts filter, e.g. ``state = ALERT_STATE_FIRING AND labels.goal = "…"``.

    Raises:
        InvalidArgument: On ``filter``, for a term not of the documented forms, a repeated
            term, an unknown or UNSPECIFIED enum value, or a rule of another tenant.
    """
    terms: dict[str, str] = {}
    position, text = 0, text.strip()
    while position < len(text):
        if terms:
            joiner = _AND.match(text, position)
            if joiner is None:
                raise InvalidArgument.for_field("filter", f"expected AND at {position}; "
                                                          + _FILTER_HELP)
            position = joiner.end()
        term = _TERM.match(text, position)
        if term is None or (term["field"] in ("state", "severity")) != (term["enum"] is not None):
            raise InvalidArgument.for_field("filter", f"unsupported term at {position}; "
                                                      + _FILTER_HELP)
        if term["field"] in terms:
            raise InvalidArgument.for_field("filter", f"{term['field']} is given twice")
        terms[term["field"]] = term["enum"] or term["text"]
        position = term.end()
    return AlertFilter(
        state=_filter_enum(alert_pb2.AlertState, terms.get("state"), AlertState),
        severity=_filter_enum(alert_rule_pb2.Severity, terms.get("severity"), Severity),
        rule=_rule_id(tenant, terms["rule"]) if "rule" in terms else None,
        source=terms.get("source"),
        labels={k.removeprefix("labels."): v for k, v in terms.items()
                if k.startswith("labels.")})


def _filter_enum(proto_enum: Any, name: str | None, domain_enum: type[D]) -> D | None:
    """``ALERT_STATE_FIRING`` -> ``AlertState.FIRING``; None stays None."""
    if name is None:
        return None
    try:
        number = proto_enum.Value(name)
    except ValueError as error:
        raise InvalidArgument.for_field("filter", f"unknown value {name!r}") from error
    if number == 0:
        raise InvalidArgument.for_field("filter", f"{name} matches nothing; leave it out")
    # Never UNSPECIFIED here, so the default is not used.
    return enum_from_proto(proto_enum, number, domain_enum, next(iter(domain_enum)))


def _rule_id(tenant: str, rule: str) -> str:
    """The id of a rule filter, which must name an alert rule of ``tenant``."""
    prefix = f"tenants/{tenant}/{COLLECTION}/"
    rule_id = rule.removeprefix(prefix)
    if rule_id == rule or not rule_id or "/" in rule_id:
        raise InvalidArgument.for_field("filter", f"rule must look like {prefix}{{alert_rule}}")
    return rule_id
