"""``GoalService``: submitting, reading and changing goals (cancelling, deleting and watching
a goal involve its plan, so ``PlanService`` does those)."""

from __future__ import annotations

import dataclasses
from collections.abc import Mapping
from typing import Any

from services.task_planner.core.models import Goal, GoalState
from shared.resources.filters import MATCH_ALL, Filter
from shared.resources.pages import Page, PageRequest
from shared.resources.store import Store

UPDATABLE_FIELDS = ("description", "priority", "labels")


class GoalService:
    """Goals of every tenant, persisted through ``goals``.

    Args:
        goals: Repository of goals.
    """

    def __init__(self, goals: Store[Goal]) -> None:
        self._goals = goals

    async def create(self, goal: Goal) -> Goal:
        """Store a new goal in state PENDING."""
        return await self._goals.create(dataclasses.replace(goal, state=GoalState.PENDING))

    async def get(self, tenant: str, goal_id: str) -> Goal:
        return await self._goals.get(tenant, goal_id)

    async def list(self, tenant: str, page: PageRequest,
                   matching: Filter = MATCH_ALL) -> Page[Goal]:
        """One page of the tenant's goals that ``matching`` selects, newest first."""
        return await self._goals.list_matching(tenant, page, matching)

    async def update(self, tenant: str, goal_id: str, changes: Mapping[str, Any],
                     etag: str = "") -> Goal:
        """Apply ``changes`` (a subset of UPDATABLE_FIELDS) to a goal."""
        current = await self._goals.get(tenant, goal_id)
        return await self._goals.update(dataclasses.replace(current, **changes), etag)
