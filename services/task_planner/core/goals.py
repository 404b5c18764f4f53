"""``GoalService``: submitting, reading and changing goals (cancelling, deleting and watching
a goal involve its plan, so ``PlanService`` does those)."""

from __future__ import annotations

import dataclasses
from typing import Protocol

from services.task_planner.core.models import Goal, GoalState
from shared.resources.standard import Resources
from shared.resources.store import Store


class GoalService(Resources[Goal]):
    """Goals of every tenant: a new goal is PENDING; a goal is deleted with its plans and
    tasks.

    Args:
        goals: Repository of goals.
        plans: Deletes a goal with its plans and tasks (``PlanService``).
    """

    updatable = ("description", "priority", "labels")

    def __init__(self, goals: Store[Goal], plans: GoalDeletion) -> None:
        super().__init__(goals)
        self._plans = plans

    def prepared(self, resource: Goal) -> Goal:
        return dataclasses.replace(resource, state=GoalState.PENDING)

    async def delete(self, tenant: str, id_: str) -> None:
        await self._plans.delete_goal(tenant, id_)


class GoalDeletion(Protocol):
    """Deletes a goal with everything it holds."""

    async def delete_goal(self, tenant: str, goal_id: str) -> None: ...
