"""``AlertRuleService``: creating, reading, changing and removing alert rules."""

from __future__ import annotations

import dataclasses

from services.observability.core.models import AlertRule, AlertRuleState
from shared.resources.standard import Resources


class AlertRuleService(Resources[AlertRule]):
    """Alert rules of every tenant: a new rule is in state OK (it has not been evaluated
    yet)."""

    updatable = ("display_name", "metric", "comparison", "threshold", "for_duration",
                 "severity")

    def prepared(self, resource: AlertRule) -> AlertRule:
        return dataclasses.replace(resource, state=AlertRuleState.OK)
