"""PlanService over the real repository: creating, running, replanning and watching plans."""

from __future__ import annotations

import asyncio

import pytest

from services.task_planner.core.goals import GoalService
from services.task_planner.core.lifecycle import derive_goal_state, transition
from services.task_planner.core.models import (
    Goal,
    GoalEvent,
    GoalState,
    PlanDraft,
    Task,
    TaskState,
)
from services.task_planner.core.plans import PlanService
from services.task_planner.core.validation import PlanValidator
from services.task_planner.repository import goal_repository
from shared.database import DatabaseConnection, utc_now
from shared.errors import FailedPrecondition, InvalidArgument, NotFound
from tests.unit.task_planner.conftest import TENANT, CountingPlans, task

S = TaskState
DIAMOND = PlanDraft(tasks=(task("root"), task("left", "root"), task("right", "root"),
                           task("join", "left", "right")), complexity=4)


async def states(plans: PlanService) -> dict[str, TaskState]:
    return {t.id: t.state for t in (await plans.current(TENANT, "g1")).tasks}


async def test_create_plan_stores_it_and_runs_the_goal(plans: PlanService, goals: GoalService,
                                                       goal: Goal) -> None:
    plan = await plans.create(TENANT, "g1", DIAMOND)
    assert (plan.id, plan.revision, plan.complexity, plan.replan_reason) == ("r1", 1, 4, "")
    assert [t.id for t in plan.tasks] == ["root", "left", "right", "join"]
    assert await states(plans) == {"root": S.READY, "left": S.BLOCKED, "right": S.BLOCKED,
                                   "join": S.BLOCKED}
    stored = await goals.get(TENANT, "g1")
    assert stored.state == GoalState.RUNNING
    assert stored.plan == "tenants/acme/goals/g1/plans/r1"
    assert await plans.get(TENANT, "g1", "r1") == plan


async def test_create_plan_twice_or_for_a_missing_goal_is_refused(plans: PlanService,
                                                                  goal: Goal) -> None:
    await plans.create(TENANT, "g1", DIAMOND)
    with pytest.raises(FailedPrecondition) as exists:
        await plans.create(TENANT, "g1", DIAMOND)
    assert exists.value.reason == "PLAN_EXISTS"
    with pytest.raises(NotFound):
        await plans.create(TENANT, "nope", DIAMOND)


async def test_an_invalid_plan_writes_nothing(plans: PlanService, goals: GoalService,
                                              goal: Goal) -> None:
    with pytest.raises(InvalidArgument):
        await plans.create(TENANT, "g1", PlanDraft(tasks=(task("a", "b"), task("b", "a"))))
    assert (await goals.get(TENANT, "g1")) == goal
    with pytest.raises(NotFound):
        await plans.current(TENANT, "g1")


async def test_tasks_run_through_the_dag_and_the_goal_succeeds(plans: PlanService,
                                                               goals: GoalService,
                                                               goal: Goal) -> None:
    await plans.create(TENANT, "g1", DIAMOND)
    running = await plans.update_task(TENANT, "g1", "root", S.RUNNING)
    assert (running.attempts, running.start_time is not None) == (1, True)
    done = await plans.update_task(TENANT, "g1", "root", S.SUCCEEDED, "root done")
    assert (done.result, done.end_time is not None) == ("root done", True)
    assert await states(plans) == {"root": S.SUCCEEDED, "left": S.READY, "right": S.READY,
                                   "join": S.BLOCKED}
    for task_id in ("left", "right"):
        await plans.update_task(TENANT, "g1", task_id, S.RUNNING)
        await plans.update_task(TENANT, "g1", task_id, S.SUCCEEDED)
    assert (await states(plans))["join"] == S.READY
    assert (await goals.get(TENANT, "g1")).state == GoalState.RUNNING
    await plans.update_task(TENANT, "g1", "join", S.RUNNING)
    await plans.update_task(TENANT, "g1", "join", S.SUCCEEDED)
    assert (await goals.get(TENANT, "g1")).state == GoalState.SUCCEEDED
    with pytest.raises(FailedPrecondition) as ended:
        await plans.update_task(TENANT, "g1", "join", S.RUNNING)
    assert ended.value.reason == "GOAL_ENDED"


async def test_transitions_not_allowed_are_failed_preconditions(plans: PlanService,
                                                                goal: Goal) -> None:
    await plans.create(TENANT, "g1", PlanDraft(tasks=(task("a"), task("b", "a"),
                                                      task("c", critical=False))))
    for task_id, state in (("b", S.RUNNING), ("a", S.SUCCEEDED), ("a", S.BLOCKED)):
        with pytest.raises(FailedPrecondition) as refused:
            await plans.update_task(TENANT, "g1", task_id, state)
        assert refused.value.reason == "TASK_TRANSITION_NOT_ALLOWED"
        assert refused.value.metadata["task"] == task_id
    with pytest.raises(FailedPrecondition) as critical:
        await plans.update_task(TENANT, "g1", "a", S.SKIPPED)
    assert critical.value.reason == "TASK_CRITICAL"
    await plans.update_task(TENANT, "g1", "c", S.SKIPPED)
    with pytest.raises(NotFound):
        await plans.update_task(TENANT, "g1", "zz", S.RUNNING)


async def test_a_retry_goes_back_to_ready_and_counts_attempts(plans: PlanService,
                                                              goal: Goal) -> None:
    await plans.create(TENANT, "g1", PlanDraft(tasks=(task("a"),)))
    await plans.update_task(TENANT, "g1", "a", S.RUNNING)
    await plans.update_task(TENANT, "g1", "a", S.READY)
    again = await plans.update_task(TENANT, "g1", "a", S.RUNNING)
    assert again.attempts == 2


async def test_attempts_are_the_orchestrators_count_retries_it_made_without_a_start_included(
        plans: PlanService, goal: Goal) -> None:
    await plans.create(TENANT, "g1", PlanDraft(tasks=(task("a"), task("b", "a"))))
    started = await plans.update_task(TENANT, "g1", "a", S.RUNNING, attempts=1)
    assert started.attempts == 1
    # Attempts 2 and 3 are retries of the orchestrator's own: the task stays RUNNING.
    await plans.update_task(TENANT, "g1", "a", S.RUNNING, attempts=2)
    await plans.update_task(TENANT, "g1", "a", S.RUNNING, attempts=3)
    late = await plans.update_task(TENANT, "g1", "a", S.RUNNING, attempts=2)  # out of order
    assert late.attempts == 3
    done = await plans.update_task(TENANT, "g1", "a", S.SUCCEEDED, "done", attempts=3)
    assert (done.state, done.attempts) == (S.SUCCEEDED, 3)
    assert (await plans.update_task(TENANT, "g1", "a", S.SUCCEEDED, attempts=3)) == done
    with pytest.raises(FailedPrecondition) as ended:
        await plans.update_task(TENANT, "g1", "a", attempts=4)
    assert ended.value.reason == "TASK_ENDED"


async def test_a_critical_failure_sends_the_goal_back_to_planning_then_fails_it(
        plans: PlanService, goals: GoalService, goal: Goal) -> None:
    await plans.create(TENANT, "g1", DIAMOND)
    await plans.update_task(TENANT, "g1", "root", S.RUNNING)
    await plans.update_task(TENANT, "g1", "root", S.FAILED)
    waiting = await goals.get(TENANT, "g1")
    assert waiting.state == GoalState.PENDING  # to be replanned
    assert waiting.state_reason == "critical task root failed for good; planning again"

    await plans.replan(TENANT, "g1", "root failed", DIAMOND)
    assert (await goals.get(TENANT, "g1")).state == GoalState.RUNNING
    await plans.update_task(TENANT, "g1", "root", S.RUNNING)
    await plans.update_task(TENANT, "g1", "root", S.FAILED)
    failed = await goals.get(TENANT, "g1")
    assert failed.state == GoalState.FAILED  # one replan only
    assert failed.state_reason == "critical task root failed for good"


async def test_a_skipped_non_critical_task_lets_the_goal_succeed(plans: PlanService,
                                                                 goals: GoalService,
                                                                 goal: Goal) -> None:
    await plans.create(TENANT, "g1", PlanDraft(tasks=(task("a"), task("extra", critical=False),
                                                      task("b", "a", "extra"))))
    await plans.update_task(TENANT, "g1", "extra", S.RUNNING)
    await plans.update_task(TENANT, "g1", "extra", S.FAILED)
    assert (await goals.get(TENANT, "g1")).state == GoalState.RUNNING
    await plans.update_task(TENANT, "g1", "extra", S.SKIPPED)
    for task_id in ("a", "b"):
        await plans.update_task(TENANT, "g1", task_id, S.RUNNING)
        await plans.update_task(TENANT, "g1", task_id, S.SUCCEEDED)
    assert (await goals.get(TENANT, "g1")).state == GoalState.SUCCEEDED


def test_derive_goal_state() -> None:
    def derive(current: GoalState, *tasks: tuple[TaskState, bool]) -> GoalState:
        return derive_goal_state(current, [Task(id=f"t{i}", state=state, critical=critical)
                                           for i, (state, critical) in enumerate(tasks)])

    running = GoalState.RUNNING
    assert derive(running, (S.SUCCEEDED, True), (S.SKIPPED, False)) == GoalState.SUCCEEDED
    assert derive(running, (S.SUCCEEDED, True), (S.FAILED, True)) == GoalState.FAILED
    assert derive(running, (S.SUCCEEDED, True), (S.FAILED, False)) == GoalState.SUCCEEDED
    assert derive(running, (S.SUCCEEDED, True), (S.RUNNING, True)) == running
    assert derive(GoalState.PAUSED, (S.READY, True)) == GoalState.PAUSED
    assert derive(GoalState.PAUSED, (S.SUCCEEDED, True)) == GoalState.SUCCEEDED
    assert derive(GoalState.CANCELLED, (S.SUCCEEDED, True)) == GoalState.CANCELLED
    assert derive(running) == running


def test_moving_to_the_same_state_changes_nothing() -> None:
    blocked = task("x")
    assert transition(blocked, S.BLOCKED, utc_now()) is blocked


async def test_replan_keeps_earlier_plans_and_succeeded_tasks(plans: PlanService,
                                                              goals: GoalService,
                                                              goal: Goal) -> None:
    first = await plans.create(TENANT, "g1", DIAMOND)
    done = await plans.update_task(TENANT, "g1", "root", S.RUNNING)
    done = await plans.update_task(TENANT, "g1", "root", S.SUCCEEDED, "the root")
    await plans.update_task(TENANT, "g1", "left", S.RUNNING)
    await plans.update_task(TENANT, "g1", "left", S.FAILED)
    assert (await goals.get(TENANT, "g1")).state == GoalState.PENDING

    second = await plans.replan(TENANT, "g1", "left failed", PlanDraft(tasks=(
        task("root"), task("left2", "root"), task("right", "root"),
        task("join", "left2", "right")), complexity=5))
    assert (second.id, second.revision, second.replan_reason) == ("r2", 2, "left failed")
    kept = second.task("root")
    assert kept is not None
    assert (kept.state, kept.result, kept.attempts, kept.end_time) == (
        S.SUCCEEDED, "the root", 1, done.end_time)
    assert await states(plans) == {"root": S.SUCCEEDED, "left2": S.READY, "right": S.READY,
                                   "join": S.BLOCKED}
    earlier = await plans.get(TENANT, "g1", "r1")
    assert (earlier.revision, [t.id for t in earlier.tasks]) == (1, [t.id for t in first.tasks])
    assert {t.id: t.state for t in earlier.tasks}["left"] == S.FAILED
    stored = await goals.get(TENANT, "g1")
    assert (stored.state, stored.plan) == (GoalState.RUNNING, "tenants/acme/goals/g1/plans/r2")


async def test_replan_needs_a_plan_and_a_valid_draft(plans: PlanService, goal: Goal) -> None:
    with pytest.raises(FailedPrecondition) as no_plan:
        await plans.replan(TENANT, "g1", "why", DIAMOND)
    assert no_plan.value.reason == "NO_PLAN"
    await plans.create(TENANT, "g1", DIAMOND)
    with pytest.raises(InvalidArgument):
        await plans.replan(TENANT, "g1", "why", PlanDraft(tasks=(task("a", "missing"),)))
    assert (await plans.current(TENANT, "g1")).revision == 1


async def test_list_tasks_pages_in_dependency_order(plans: PlanService, goal: Goal) -> None:
    await plans.create(TENANT, "g1", PlanDraft(tasks=(
        task("join", "left", "right"), task("left", "root"), task("right", "root"),
        task("root"))))
    first = await plans.list_tasks(TENANT, "g1", 3, "")
    assert [t.id for t in first.items] == ["root", "left", "right"]
    second = await plans.list_tasks(TENANT, "g1", 3, first.next_page_token)
    assert ([t.id for t in second.items], second.next_page_token) == (["join"], "")
    with pytest.raises(InvalidArgument):
        await plans.list_tasks(TENANT, "g1", -1, "")
    with pytest.raises(InvalidArgument):
        await plans.list_tasks(TENANT, "g1", 3, "garbage!")


async def test_cancel_goal_cancels_unfinished_tasks(plans: PlanService, goal: Goal) -> None:
    await plans.create(TENANT, "g1", DIAMOND)
    await plans.update_task(TENANT, "g1", "root", S.RUNNING)
    await plans.update_task(TENANT, "g1", "root", S.SUCCEEDED)
    cancelled = await plans.cancel_goal(TENANT, "g1")
    assert cancelled.state == GoalState.CANCELLED
    assert await states(plans) == {"root": S.SUCCEEDED, "left": S.CANCELLED,
                                   "right": S.CANCELLED, "join": S.CANCELLED}
    with pytest.raises(FailedPrecondition):
        await plans.cancel_goal(TENANT, "g1")


async def test_delete_goal_deletes_its_plans(plans: PlanService, goals: GoalService,
                                             goal: Goal) -> None:
    await plans.create(TENANT, "g1", DIAMOND)
    await plans.delete_goal(TENANT, "g1")
    await goals.create(Goal(tenant=TENANT, id="g1", description="again"))
    with pytest.raises(NotFound):
        await plans.current(TENANT, "g1")
    with pytest.raises(NotFound):
        await plans.delete_goal(TENANT, "missing")


async def test_concurrent_task_updates_are_all_kept(plans: PlanService, goal: Goal) -> None:
    ids = [f"t{i}" for i in range(8)]
    await plans.create(TENANT, "g1", PlanDraft(tasks=tuple(task(i) for i in ids)))
    await asyncio.gather(*(plans.update_task(TENANT, "g1", i, S.RUNNING) for i in ids))
    assert set((await states(plans)).values()) == {S.RUNNING}


async def test_concurrent_replans_store_one_revision_each(plans: PlanService,
                                                          goal: Goal) -> None:
    await plans.create(TENANT, "g1", DIAMOND)
    results = await asyncio.gather(
        *(plans.replan(TENANT, "g1", f"because {i}", DIAMOND) for i in range(3)))
    assert sorted(r.revision for r in results) == [2, 3, 4]
    assert (await plans.current(TENANT, "g1")).revision == 4


async def watching(plans: PlanService, first_events: int
                   ) -> tuple[asyncio.Task[None], list[GoalEvent]]:
    """A watch of goal g1 collecting its events, once the first ``first_events`` came."""
    events: list[GoalEvent] = []

    async def watch() -> None:
        async for event in plans.watch(TENANT, "g1"):
            events.append(event)

    watcher = asyncio.create_task(watch())
    while len(events) < first_events:
        await asyncio.sleep(0.01)
    return watcher, events


async def test_a_watch_gets_each_change_as_written_without_reading_it_back(
        db: DatabaseConnection, goal: Goal) -> None:
    repository = goal_repository(db)
    store = CountingPlans(db, repository)
    plans = PlanService(repository, store, PlanValidator(), watch_interval=60)
    await plans.create(TENANT, "g1", PlanDraft(tasks=(task("a"), task("b", "a"))))
    store.reads = 0  # the plan's creation looked for an earlier plan
    watcher, events = await watching(plans, first_events=3)
    for task_id in ("a", "b"):
        await plans.update_task(TENANT, "g1", task_id, S.RUNNING)
        await plans.update_task(TENANT, "g1", task_id, S.SUCCEEDED, f"{task_id} done")
    await asyncio.wait_for(watcher, 5)

    # The first event starts from the plan the replica kept; the changes were handed over.
    assert store.reads == 0
    assert [(e.event_type, e.task.id if e.task else None) for e in events] == [
        ("goal.running", None), ("task.ready", "a"), ("task.blocked", "b"),
        ("task.running", "a"), ("goal.running", None), ("task.succeeded", "a"),
        ("task.ready", "b"), ("goal.running", None), ("task.running", "b"),
        ("goal.running", None), ("task.succeeded", "b"), ("goal.succeeded", None)]
    stored = await plans.current(TENANT, "g1")
    assert stored is not None
    assert [e.task for e in events if e.task and e.task.id == "b"][-1] == stored.tasks[1]
    assert events[-1].goal == await repository.get(TENANT, "g1")


async def test_watch_yields_task_events(plans: PlanService, goal: Goal) -> None:
    await plans.create(TENANT, "g1", PlanDraft(tasks=(task("a"),)))
    watcher, events = await watching(plans, first_events=2)
    await plans.update_task(TENANT, "g1", "a", S.RUNNING)
    await plans.update_task(TENANT, "g1", "a", S.SUCCEEDED, "ok")
    await asyncio.wait_for(watcher, 5)
    kinds = [(e.event_type, e.task.id if e.task else None) for e in events]
    assert kinds[:2] == [("goal.running", None), ("task.ready", "a")]
    assert ("task.succeeded", "a") in kinds
    assert kinds[-1] == ("goal.succeeded", None)
