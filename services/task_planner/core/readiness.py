"""Ready work handed to long-polling callers as a change commits, without a query.

A dispatcher waiting in ``ListReadyTasks`` gets the tasks a change made READY straight from
the change: the goal, its plan after the change and the results of the tasks' dependencies are
all at hand there, so reading them back from the store would only add a round of queries to
every task's way to an agent.
"""

from __future__ import annotations

import asyncio
from collections.abc import Sequence

from services.task_planner.core.models import (
    Goal,
    GoalState,
    Plan,
    ReadyWork,
    TaskState,
)


def ready_after(goal: Goal, plan: Plan | None) -> list[ReadyWork]:
    """The READY tasks of ``plan``, the current plan of ``goal`` as a change wrote them, as
    the store's ready query would list them: none unless the goal is RUNNING, oldest ready
    first."""
    if goal.state != GoalState.RUNNING or plan is None:
        return []
    tasks = plan.tasks
    results = {t.id: t.result for t in tasks if t.state == TaskState.SUCCEEDED}
    ready = sorted((t for t in tasks if t.state == TaskState.READY),
                   key=lambda t: t.update_time)  # stable: plan order among equals
    return [ReadyWork(tenant=goal.tenant, goal_id=goal.id,
                      goal_description=goal.description, task=task,
                      upstream_results={d: results[d] for d in task.depends_on if d in results})
            for task in ready]


class ReadyWaiters:
    """Callers waiting for ready work, each of one tenant or of all (None)."""

    def __init__(self) -> None:
        self._waiting: dict[asyncio.Future[list[ReadyWork]], str | None] = {}

    def register(self, tenant: str | None) -> asyncio.Future[list[ReadyWork]]:
        """A future that :meth:`offer` resolves with ready work of ``tenant``; call
        :meth:`forget` with it when done waiting."""
        future: asyncio.Future[list[ReadyWork]] = asyncio.get_running_loop().create_future()
        self._waiting[future] = tenant
        return future

    def forget(self, future: asyncio.Future[list[ReadyWork]]) -> None:
        self._waiting.pop(future, None)

    def offer(self, work: Sequence[ReadyWork]) -> None:
        """Hand ``work`` to every caller waiting for work of its tenant (several dispatchers
        may race for the same tasks, as they would after a query; the store lets one win)."""
        if not work:
            return
        for future, tenant in list(self._waiting.items()):
            mine = [w for w in work if tenant is None or w.tenant == tenant]
            if mine and not future.done():
                future.set_result(mine)
