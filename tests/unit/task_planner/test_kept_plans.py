"""A goal's change uses the plan its replica's last change of the goal wrote, and reads the
plan again once anything else wrote the goal (another replica, a goal update)."""

from __future__ import annotations

from sqlalchemy.ext.asyncio import AsyncConnection

from services.task_planner.core.goals import GoalService
from services.task_planner.core.models import Goal, Plan, PlanDraft, TaskState
from services.task_planner.core.plans import PlanService
from services.task_planner.core.validation import PlanValidator
from services.task_planner.repository import PlanRepository, goal_repository
from shared.database import DatabaseConnection
from tests.unit.task_planner.conftest import TENANT, task

S = TaskState
CHAIN = PlanDraft(tasks=(task("a"), task("b", "a"), task("c", "b")))


class CountingPlans(PlanRepository):
    """Counts the reads of a current plan inside a goal's change."""

    reads = 0

    async def _current(self, conn: AsyncConnection, tenant: str, goal_id: str) -> Plan | None:
        self.reads += 1
        return await super()._current(conn, tenant, goal_id)


def replica(db: DatabaseConnection) -> tuple[PlanService, CountingPlans]:
    goals = goal_repository(db)
    store = CountingPlans(db, goals)
    return PlanService(goals, store, PlanValidator()), store


async def states(plans: PlanService) -> dict[str, TaskState]:
    current = await plans.current(TENANT, "g1")
    assert current is not None
    return {t.id: t.state for t in current.tasks}


async def test_changes_in_a_row_use_the_plan_the_last_one_wrote(
        db: DatabaseConnection, goal: Goal) -> None:
    plans, store = replica(db)
    await plans.create(TENANT, "g1", CHAIN)
    store.reads = 0

    for task_id in ("a", "b"):
        await plans.update_task(TENANT, "g1", task_id, S.RUNNING)
        await plans.update_task(TENANT, "g1", task_id, S.SUCCEEDED, f"{task_id} done")

    assert store.reads == 0
    assert await states(plans) == {"a": S.SUCCEEDED, "b": S.SUCCEEDED, "c": S.READY}


async def test_a_change_through_another_replica_or_of_the_goal_is_read_again(
        db: DatabaseConnection, goal: Goal) -> None:
    first, first_store = replica(db)
    second, _ = replica(db)
    await first.create(TENANT, "g1", CHAIN)
    await first.update_task(TENANT, "g1", "a", S.RUNNING)

    await second.update_task(TENANT, "g1", "a", S.SUCCEEDED, "done elsewhere")
    first_store.reads = 0
    updated = await first.update_task(TENANT, "g1", "b", S.RUNNING)  # b is READY only there
    assert first_store.reads == 1
    assert updated.state == S.RUNNING

    await GoalService(goal_repository(db)).update(TENANT, "g1", {"labels": {"team": "x"}})
    await first.update_task(TENANT, "g1", "b", S.SUCCEEDED, "b done")
    assert first_store.reads == 2
    assert await states(first) == {"a": S.SUCCEEDED, "b": S.SUCCEEDED, "c": S.READY}
