"""Domain models of the observability service."""

from __future__ import annotations

import dataclasses
import datetime as dt
import enum

from shared.resources.entity import Entity, utc_now


class Comparison(enum.StrEnum):
    """How an alert rule compares its metric with its threshold."""

    GREATER_THAN = "GREATER_THAN"
    LESS_THAN = "LESS_THAN"


class Severity(enum.StrEnum):
    """How urgent an alert is."""

    INFO = "INFO"
    WARNING = "WARNING"
    CRITICAL = "CRITICAL"


class AlertRuleState(enum.StrEnum):
    """Whether an alert rule is firing."""

    OK = "OK"
    FIRING = "FIRING"


@dataclasses.dataclass(frozen=True, kw_only=True)
class AlertRule(Entity):
    """A rule that fires when ``metric`` stays beyond ``threshold`` for ``for_duration``."""

    display_name: str
    metric: str
    comparison: Comparison
    threshold: float = 0.0
    # Zero fires as soon as the comparison holds.
    for_duration: dt.timedelta = dt.timedelta(0)
    severity: Severity = Severity.WARNING
    state: AlertRuleState = AlertRuleState.OK


class AlertState(enum.StrEnum):
    """Whether an alert still needs attention."""

    FIRING = "FIRING"
    RESOLVED = "RESOLVED"


@dataclasses.dataclass(frozen=True, kw_only=True)
class Alert(Entity):
    """Something that needs attention: a rule that fired, or one raised directly by a service.

    ``create_time`` orders alerts; ``start_time`` is when the condition began (the same instant
    for an alert raised directly).
    """

    summary: str
    severity: Severity = Severity.WARNING
    # Id of the rule that fired; empty when a service raised the alert directly.
    rule: str = ""
    # Who raised it, e.g. ``services/agent-orchestrator``; empty for rule alerts.
    source: str = ""
    labels: dict[str, str] = dataclasses.field(default_factory=dict)
    description: str = ""
    state: AlertState = AlertState.FIRING
    start_time: dt.datetime = dataclasses.field(default_factory=utc_now)
    end_time: dt.datetime | None = None
