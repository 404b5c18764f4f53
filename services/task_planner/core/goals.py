"""``GoalService``: submitting, reading, changing and cancelling goals."""

from __future__ import annotations

import asyncio
import dataclasses
from collections.abc import AsyncIterator, Mapping
from typing import Any

from services.task_planner.core.models import Goal, GoalState
from shared.database import Page, PageRequest, Repository
from shared.errors import FailedPrecondition

UPDATABLE_FIELDS = ("description", "priority", "labels")


class GoalService:
    """Goals of every tenant, persisted through ``goals``.

    Args:
        goals: Repository of goals.
        watch_interval: Seconds between polls of a watched goal.
    """

    def __init__(self, goals: Repository[Goal], watch_interval: float = 0.25) -> None:
        self._goals = goals
        self._watch_interval = watch_interval

    async def create(self, goal: Goal) -> Goal:
        """Store a new goal in state PENDING."""
        return await self._goals.create(dataclasses.replace(goal, state=GoalState.PENDING))

    async def get(self, tenant: str, goal_id: str) -> Goal:
        return await self._goals.get(tenant, goal_id)

    async def list(self, tenant: str, page: PageRequest) -> Page[Goal]:
        return await self._goals.list(tenant, page)

    async def update(self, tenant: str, goal_id: str, changes: Mapping[str, Any],
                     etag: str = "") -> Goal:
        """Apply ``changes`` (a subset of UPDATABLE_FIELDS) to a goal."""
        current = await self._goals.get(tenant, goal_id)
        return await self._goals.update(dataclasses.replace(current, **changes), etag)

    async def delete(self, tenant: str, goal_id: str) -> None:
        await self._goals.delete(tenant, goal_id)

    async def cancel(self, tenant: str, goal_id: str) -> Goal:
        """Cancel a goal that has not ended.

        Raises:
            FailedPrecondition: The goal already ended.
        """
        current = await self._goals.get(tenant, goal_id)
        if current.state.ended:
            raise FailedPrecondition(f"goal {goal_id!r} already ended ({current.state})",
                                     reason="GOAL_ENDED")
        return await self._goals.update(
            dataclasses.replace(current, state=GoalState.CANCELLED), current.etag)

    async def watch(self, tenant: str, goal_id: str) -> AsyncIterator[Goal]:
        """Yield the goal now and after every change, until it ends."""
        seen = ""
        while True:
            goal = await self._goals.get(tenant, goal_id)
            if goal.etag != seen:
                seen = goal.etag
                yield goal
            if goal.state.ended:
                return
            await asyncio.sleep(self._watch_interval)
