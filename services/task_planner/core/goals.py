"""``GoalService``: submitting, reading and changing goals (cancelling, deleting and watching
a goal involve its plan, so ``PlanService`` does those)."""

from __future__ import annotations

import dataclasses

from services.task_planner.core.models import Goal, GoalState
from shared.resources.standard import Resources


class GoalService(Resources[Goal]):
    """Goals of every tenant: a new goal is PENDING. A goal is deleted with its plans and
    tasks, by ``PlanService.delete_goal``, never here."""

    updatable = ("description", "priority", "labels")

    def prepared(self, resource: Goal) -> Goal:
        return dataclasses.replace(resource, state=GoalState.PENDING)

    async def delete(self, tenant: str, id_: str) -> None:
        """Not here: deleting the goal alone would leave its plans and tasks behind."""
        raise NotImplementedError("a goal is deleted by PlanService.delete_goal")
