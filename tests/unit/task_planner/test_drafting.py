"""The planning loop: pending goals are claimed once, planned, failed on a bad draft and put
back when the runtime cannot be reached."""

from __future__ import annotations

import asyncio
from dataclasses import dataclass, field

from services.task_planner.core.drafting import GoalPlanning
from services.task_planner.core.goals import GoalService
from services.task_planner.core.models import Goal, GoalState, PlanDraft, TaskState
from services.task_planner.core.plans import PlanService
from services.task_planner.repository import Claimant, PendingGoalQueue, goal_repository
from shared.database import DatabaseConnection
from shared.errors import Unavailable
from tests.unit.task_planner.conftest import TENANT, task


@dataclass
class ScriptedDrafter:
    """Answers with a fixed draft, or raises, and counts the goals it was asked about."""

    draft_or_error: PlanDraft | Exception
    asked: list[str] = field(default_factory=list)
    failures: list[str] = field(default_factory=list)

    async def draft(self, goal: Goal, failure: str = "") -> PlanDraft:
        self.asked.append(goal.id)
        self.failures.append(failure)
        if isinstance(self.draft_or_error, Exception):
            raise self.draft_or_error
        return self.draft_or_error


def loop(db: DatabaseConnection, plans: PlanService, drafter: ScriptedDrafter) -> GoalPlanning:
    return GoalPlanning(PendingGoalQueue(goal_repository(db), Claimant("p1")), plans, drafter)


async def test_a_pending_goal_is_planned_once(db: DatabaseConnection, goals: GoalService,
                                             plans: PlanService, goal: Goal) -> None:
    drafter = ScriptedDrafter(PlanDraft(tasks=(task("a"), task("b", "a")), complexity=2))
    assert await loop(db, plans, drafter).plan_pending() == 1
    assert await loop(db, plans, drafter).plan_pending() == 0  # nothing left to claim
    planned = await goals.get(TENANT, goal.id)
    assert planned.state is GoalState.RUNNING and planned.plan.endswith("/plans/r1")
    assert drafter.asked == [goal.id]


async def test_an_invalid_draft_fails_the_goal(db: DatabaseConnection, goals: GoalService,
                                               plans: PlanService, goal: Goal) -> None:
    cyclic = PlanDraft(tasks=(task("a", "b"), task("b", "a")))
    await loop(db, plans, ScriptedDrafter(cyclic)).plan_pending()
    failed = await goals.get(TENANT, goal.id)
    assert failed.state is GoalState.FAILED
    assert failed.state_reason.startswith("the planner's draft is invalid: plan.tasks[")
    assert "cycle" in failed.state_reason


async def test_an_unreachable_runtime_puts_the_goal_back(db: DatabaseConnection,
                                                         goals: GoalService, plans: PlanService,
                                                         goal: Goal) -> None:
    await loop(db, plans, ScriptedDrafter(Unavailable("runtime down"))).plan_pending()
    assert (await goals.get(TENANT, goal.id)).state is GoalState.PENDING


async def test_a_goal_whose_critical_task_failed_is_replanned_keeping_finished_work(
        db: DatabaseConnection, goals: GoalService, plans: PlanService, goal: Goal) -> None:
    drafter = ScriptedDrafter(PlanDraft(tasks=(task("a"), task("b", "a")), complexity=2))
    await loop(db, plans, drafter).plan_pending()
    for task_id, state in (("a", TaskState.RUNNING), ("a", TaskState.SUCCEEDED),
                           ("b", TaskState.RUNNING), ("b", TaskState.FAILED)):
        await plans.update_task(TENANT, goal.id, task_id, state,
                                "done" if state is TaskState.SUCCEEDED else None)
    assert (await goals.get(TENANT, goal.id)).state is GoalState.PENDING

    assert await loop(db, plans, drafter).plan_pending() == 1

    replanned = await goals.get(TENANT, goal.id)
    assert replanned.state is GoalState.RUNNING and replanned.plan.endswith("/plans/r2")
    plan = await plans.current(TENANT, goal.id)
    assert "task b (Task b) failed for good" in plan.replan_reason
    assert {t.id: t.state for t in plan.tasks} == {"a": TaskState.SUCCEEDED,
                                                   "b": TaskState.READY}
    assert drafter.failures == ["", plan.replan_reason]


async def test_an_unreachable_runtime_does_not_make_the_loop_spin(
        db: DatabaseConnection, goals: GoalService, plans: PlanService, goal: Goal) -> None:
    """A round that can only put its goals back waits for the interval: a planner whose
    runtime was down spun at half a core, claiming and putting back the same goal."""
    drafter = ScriptedDrafter(Unavailable("runtime down"))
    stop = asyncio.Event()
    running = asyncio.create_task(loop(db, plans, drafter).run(stop, interval=60))
    while not drafter.asked:
        await asyncio.sleep(0.01)
    for _ in range(20):  # rounds a spinning loop would have used to ask again
        await asyncio.sleep(0.01)
    stop.set()
    await running
    assert drafter.asked == [goal.id]
    assert (await goals.get(TENANT, goal.id)).state is GoalState.PENDING
