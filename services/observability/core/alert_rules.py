"""``AlertRuleService``: creating, reading, changing and removing alert rules."""

from __future__ import annotations

import dataclasses
from collections.abc import Mapping
from typing import Any

from services.observability.core.models import AlertRule, AlertRuleState
from shared.resources.filters import MATCH_ALL, Filter
from shared.resources.pages import Page, PageRequest
from shared.resources.store import Store

UPDATABLE_FIELDS = ("display_name", "metric", "comparison", "threshold", "for_duration",
                    "severity")


class AlertRuleService:
    """Alert rules of every tenant, persisted through ``rules``.

    Args:
        rules: Repository of alert rules.
    """

    def __init__(self, rules: Store[AlertRule]) -> None:
        self._rules = rules

    async def create(self, rule: AlertRule) -> AlertRule:
        """Store a new rule in state OK (it has not been evaluated yet)."""
        return await self._rules.create(dataclasses.replace(rule, state=AlertRuleState.OK))

    async def get(self, tenant: str, rule_id: str) -> AlertRule:
        return await self._rules.get(tenant, rule_id)

    async def list(self, tenant: str, page: PageRequest,
                   matching: Filter = MATCH_ALL) -> Page[AlertRule]:
        """One page of the tenant's rules that ``matching`` selects, newest first."""
        return await self._rules.list_matching(tenant, page, matching)

    async def update(self, tenant: str, rule_id: str, changes: Mapping[str, Any],
                     etag: str = "") -> AlertRule:
        """Apply ``changes`` (a subset of UPDATABLE_FIELDS) to a rule."""
        current = await self._rules.get(tenant, rule_id)
        return await self._rules.update(dataclasses.replace(current, **changes), etag)

    async def delete(self, tenant: str, rule_id: str) -> None:
        await self._rules.delete(tenant, rule_id)
