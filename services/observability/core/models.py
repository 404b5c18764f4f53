"""Domain models of the observability service."""

from __future__ import annotations

import dataclasses
import datetime as dt
import enum

from shared.database import Entity


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
