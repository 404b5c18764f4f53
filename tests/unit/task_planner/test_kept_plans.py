"""A goal's change starts from the goal and plan its replica's last change of the goal wrote,
and from the goal and plan as stored once anything else wrote the goal (another replica, a
goal update)."""

from __future__ import annotations

import asyncio

import sqlalchemy as sa

from services.task_planner.core.goals import GoalService
from services.task_planner.core.models import Goal, GoalState, PlanDraft, TaskState
from services.task_planner.core.plans import PlanService
from services.task_planner.core.validation import PlanValidator
from services.task_planner.repository import goal_repository
from shared.database import DatabaseConnection
from tests.unit.task_planner.conftest import TENANT, CountingPlans, task

S = TaskState
CHAIN = PlanDraft(tasks=(task("a"), task("b", "a"), task("c", "b")))


def replica(db: DatabaseConnection) -> tuple[PlanService, CountingPlans]:
    goals = goal_repository(db)
    store = CountingPlans(db, goals)
    return PlanService(goals, store, PlanValidator()), store


async def two_replicas(db: DatabaseConnection) -> tuple[PlanService, CountingPlans, PlanService]:
    """Two replicas of the planner on one database; the first created goal g1's plan."""
    first, first_store = replica(db)
    second, _ = replica(db)
    await first.create(TENANT, "g1", CHAIN)
    return first, first_store, second


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
    first, first_store, second = await two_replicas(db)
    await first.update_task(TENANT, "g1", "a", S.RUNNING)

    await second.update_task(TENANT, "g1", "a", S.SUCCEEDED, "done elsewhere")
    first_store.reads = 0
    updated = await first.update_task(TENANT, "g1", "b", S.RUNNING)  # b is READY only there
    assert first_store.reads == 1
    assert updated.state == S.RUNNING

    await GoalService(goal_repository(db), second).update(TENANT, "g1",
                                                        {"labels": {"team": "x"}})
    await first.update_task(TENANT, "g1", "b", S.SUCCEEDED, "b done")
    assert first_store.reads == 2
    assert await states(first) == {"a": S.SUCCEEDED, "b": S.SUCCEEDED, "c": S.READY}


async def test_a_change_of_the_goal_as_kept_writes_without_reading_the_goal_first(
        db: DatabaseConnection, goal: Goal) -> None:
    plans, _ = replica(db)
    await plans.create(TENANT, "g1", CHAIN)
    statements: list[str] = []

    def seen(_conn: object, _cursor: object, statement: str, *_: object) -> None:
        statements.append(" ".join(statement.split()[:2]))

    sa.event.listen(db.engine.sync_engine, "before_cursor_execute", seen)
    try:
        await plans.update_task(TENANT, "g1", "a", S.RUNNING)
    finally:
        sa.event.remove(db.engine.sync_engine, "before_cursor_execute", seen)

    # The goal's row first, on condition of the kept etag (which takes the lock), then the task.
    assert statements == ["UPDATE goals", "UPDATE tasks"]
    assert await states(plans) == {"a": S.RUNNING, "b": S.BLOCKED, "c": S.BLOCKED}


async def test_a_refusal_on_the_kept_goal_is_decided_again_on_the_goal_as_stored(
        db: DatabaseConnection, goal: Goal) -> None:
    first, _, second = await two_replicas(db)  # first keeps the goal RUNNING

    await second.pause_goal(TENANT, "g1", "maintenance")
    resumed = await first.resume_goal(TENANT, "g1")

    assert resumed.state == GoalState.RUNNING
    await first.update_task(TENANT, "g1", "a", S.RUNNING)
    assert await states(second) == {"a": S.RUNNING, "b": S.BLOCKED, "c": S.BLOCKED}


async def test_replicas_changing_one_goal_at_once_lose_no_change(
        db: DatabaseConnection, goal: Goal) -> None:
    first, _ = replica(db)
    second, _ = replica(db)
    await first.create(TENANT, "g1", PlanDraft(tasks=tuple(task(f"t{i}") for i in range(6))))
    await second.update_task(TENANT, "g1", "t0", S.RUNNING)  # both replicas keep the goal now
    await first.update_task(TENANT, "g1", "t1", S.RUNNING)

    await asyncio.gather(*(replica_.update_task(TENANT, "g1", f"t{i}", S.RUNNING)
                           for i, replica_ in ((2, first), (3, second), (4, first), (5, second))))

    assert set((await states(first)).values()) == {S.RUNNING}


async def test_a_watch_of_a_goal_written_elsewhere_starts_from_its_plan_as_read(
        db: DatabaseConnection, goal: Goal) -> None:
    first, first_store, second = await two_replicas(db)
    await second.update_task(TENANT, "g1", "a", S.RUNNING)
    first_store.reads = 0

    watch = first.watch(TENANT, "g1")
    events = [await anext(watch) for _ in range(4)]
    await watch.aclose()

    assert first_store.reads == 1
    assert [(e.event_type, e.task.id if e.task else None) for e in events] == [
        ("goal.running", None), ("task.running", "a"), ("task.blocked", "b"),
        ("task.blocked", "c")]
