"""What the orchestrator asks of the planner: ready work across goals, pausing and resuming
goals, and goals submitted with their plan."""

from __future__ import annotations

import asyncio

import pytest

from cognition.planner.v1 import goal_pb2
from cognition.planner.v1 import planner_service_pb2 as pb
from services.task_planner.core.goals import GoalService
from services.task_planner.core.models import Goal, GoalPriority, GoalState, PlanDraft, TaskState
from services.task_planner.core.plans import PlanService
from shared import context
from shared.database import DatabaseConnection
from shared.database.audit_outbox import AuditOutbox
from shared.errors import AlreadyExists, FailedPrecondition, InvalidArgument, NotFound
from shared.rpc.audit import AuditRecorder
from tests.unit.task_planner.conftest import TENANT, task

CREATE_GOAL = "/cognition.planner.v1.PlannerService/CreateGoal"


async def planned(goals: GoalService, plans: PlanService, goal_id: str, *tasks_: object,
                  tenant: str = TENANT, priority: GoalPriority = GoalPriority.NORMAL) -> Goal:
    await goals.create(Goal(tenant=tenant, id=goal_id, description=f"goal {goal_id}",
                            priority=priority))
    await plans.create(tenant, goal_id, PlanDraft(tasks=tuple(tasks_), complexity=2))  # type: ignore[arg-type]
    return await goals.get(tenant, goal_id)


async def test_ready_work_lists_ready_tasks_of_running_goals_with_upstream_results(
        goals: GoalService, plans: PlanService) -> None:
    await planned(goals, plans, "g1", task("a"), task("b"), task("c", "a", "b"))
    await planned(goals, plans, "urgent", task("x"), priority=GoalPriority.HIGH)
    await planned(goals, plans, "other", task("y"), tenant="globex")

    ready = await plans.ready(None, 10)
    first = ready[0]
    assert (first.tenant, first.goal_id, first.task.id) == (TENANT, "urgent", "x")
    assert {(w.goal_id, w.task.id) for w in ready} == {
        ("urgent", "x"), ("g1", "a"), ("g1", "b"), ("other", "y")}
    assert {w.goal_description for w in ready if w.goal_id == "g1"} == {"goal g1"}
    assert [w.task.id for w in await plans.ready("globex", 10)] == ["y"]
    assert len(await plans.ready(None, 2)) == 2

    for task_id, result in (("a", "alpha"), ("b", "beta")):
        await plans.update_task(TENANT, "g1", task_id, TaskState.RUNNING)
        await plans.update_task(TENANT, "g1", task_id, TaskState.SUCCEEDED, result)
    [c] = [w for w in await plans.ready(TENANT, 10) if w.goal_id == "g1"]
    assert (c.task.id, c.upstream_results) == ("c", {"a": "alpha", "b": "beta"})


async def test_a_paused_goal_offers_no_work_until_it_is_resumed(
        goals: GoalService, plans: PlanService) -> None:
    await planned(goals, plans, "g1", task("a"))

    paused = await plans.pause_goal(TENANT, "g1")
    assert paused.state == GoalState.PAUSED
    assert (await plans.pause_goal(TENANT, "g1")).etag == paused.etag  # pausing again: no-op
    assert await plans.ready(None, 10) == []
    resumed = await plans.resume_goal(TENANT, "g1")
    assert resumed.state == GoalState.RUNNING
    assert [w.task.id for w in await plans.ready(None, 10)] == ["a"]
    with pytest.raises(FailedPrecondition) as refused:
        await plans.resume_goal(TENANT, "g1")
    assert refused.value.reason == "GOAL_NOT_PAUSED"
    await plans.cancel_goal(TENANT, "g1")
    with pytest.raises(FailedPrecondition) as ended:
        await plans.pause_goal(TENANT, "g1")
    assert ended.value.reason == "GOAL_ENDED"


async def test_a_paused_goal_ends_when_its_running_tasks_finish_it(
        goals: GoalService, plans: PlanService) -> None:
    await planned(goals, plans, "g1", task("a"), task("b"))
    for task_id in ("a", "b"):
        await plans.update_task(TENANT, "g1", task_id, TaskState.RUNNING)
    await plans.pause_goal(TENANT, "g1")
    await plans.update_task(TENANT, "g1", "a", TaskState.SUCCEEDED, "done")
    assert (await goals.get(TENANT, "g1")).state == GoalState.PAUSED

    await plans.update_task(TENANT, "g1", "b", TaskState.SUCCEEDED, "done")
    assert (await goals.get(TENANT, "g1")).state == GoalState.SUCCEEDED


async def test_a_goal_submitted_with_its_plan_runs_at_once_and_a_bad_one_writes_nothing(
        goals: GoalService, plans: PlanService) -> None:
    goal = await plans.create_goal(Goal(tenant=TENANT, id="g1", description="given"),
                                   PlanDraft(tasks=(task("a"), task("b", "a")), complexity=2))
    assert goal.state == GoalState.RUNNING and goal.plan.endswith("/plans/r1")
    assert [w.task.id for w in await plans.ready(TENANT, 10)] == ["a"]

    with pytest.raises(InvalidArgument):
        await plans.create_goal(Goal(tenant=TENANT, id="g2", description="cyclic"),
                                PlanDraft(tasks=(task("a", "b"), task("b", "a")), complexity=2))
    with pytest.raises(NotFound):
        await goals.get(TENANT, "g2")


async def test_a_tenant_reads_only_its_own_ready_work(goals: GoalService,
                                                      plans: PlanService) -> None:
    await planned(goals, plans, "g1", task("a"))
    with (context.bind(context.CallContext(tenant="globex", subject="users/u")),
          pytest.raises(NotFound)):
        await plans.ready(TENANT, 10)


async def test_waiting_for_ready_work_answers_as_soon_as_a_task_becomes_ready(
        goals: GoalService, plans: PlanService) -> None:
    loop = asyncio.get_running_loop()
    assert await plans.ready(None, 10, wait=0.05) == []  # nothing comes: an empty answer

    started = loop.time()
    waiting = asyncio.create_task(plans.ready(None, 10, wait=10))
    await asyncio.sleep(0.05)
    await planned(goals, plans, "g1", task("a"))
    [work] = await waiting

    assert work.task.id == "a" and loop.time() - started < 5


async def test_concurrent_updates_of_one_goal_each_get_their_own_outcome(
        goals: GoalService, plans: PlanService) -> None:
    await planned(goals, plans, "g1", *(task(f"t{i}") for i in range(10)), task("end", "t0"))

    started = await asyncio.gather(*(plans.update_task(TENANT, "g1", f"t{i}", TaskState.RUNNING)
                                     for i in range(10)),
                                   plans.update_task(TENANT, "g1", "end", TaskState.RUNNING),
                                   return_exceptions=True)

    assert [t.state for t in started[:10] if not isinstance(t, Exception)] == [
        TaskState.RUNNING] * 10
    assert isinstance(started[10], FailedPrecondition)  # BLOCKED -> RUNNING: refused alone
    done = await asyncio.gather(*(plans.update_task(TENANT, "g1", f"t{i}", TaskState.SUCCEEDED,
                                                    f"r{i}") for i in range(10)))
    assert [(t.state, t.result) for t in done] == [(TaskState.SUCCEEDED, f"r{i}")
                                                   for i in range(10)]
    [end] = [w for w in await plans.ready(TENANT, 10)]
    assert end.task.id == "end" and end.upstream_results == {"t0": "r0"}


async def test_a_waiter_is_handed_the_work_a_change_made_ready_as_the_store_lists_it(
        goals: GoalService, plans: PlanService) -> None:
    await planned(goals, plans, "g1", task("a"), task("b"), task("c", "a", "b"))
    for task_id in ("a", "b"):
        await plans.update_task(TENANT, "g1", task_id, TaskState.RUNNING)
    await plans.update_task(TENANT, "g1", "a", TaskState.SUCCEEDED, "alpha")
    mine = asyncio.create_task(plans.ready(TENANT, 10, wait=10))
    others = asyncio.create_task(plans.ready("globex", 10, wait=0.3))
    await asyncio.sleep(0.05)

    await plans.update_task(TENANT, "g1", "b", TaskState.SUCCEEDED, "beta")
    handed = await mine

    assert [(w.task.id, w.upstream_results) for w in handed] == [
        ("c", {"a": "alpha", "b": "beta"})]
    assert handed == await plans.ready(TENANT, 10)
    assert await others == []  # another tenant's waiter is not woken with it


async def test_a_waiter_gets_the_work_before_the_update_that_made_it_ready_is_answered(
        goals: GoalService, plans: PlanService) -> None:
    # The dispatcher's long poll is on the way of the next task; the reporter's answer is not.
    await planned(goals, plans, "g1", task("a"), task("b", "a"))
    await plans.update_task(TENANT, "g1", "a", TaskState.RUNNING)
    resumed: list[str] = []

    async def dispatcher() -> None:
        await plans.ready(TENANT, 10, wait=10)
        resumed.append("ready work")

    async def reporter() -> None:
        await plans.update_task(TENANT, "g1", "a", TaskState.SUCCEEDED, "alpha")
        resumed.append("update answered")

    waiting = asyncio.create_task(dispatcher())
    await asyncio.sleep(0.05)
    await asyncio.gather(reporter(), waiting)

    assert resumed == ["ready work", "update answered"]


async def test_a_paused_goal_hands_no_work_to_waiters(goals: GoalService,
                                                      plans: PlanService) -> None:
    await planned(goals, plans, "g1", task("a"), task("b", "a"))
    await plans.update_task(TENANT, "g1", "a", TaskState.RUNNING)
    await plans.pause_goal(TENANT, "g1")
    waiting = asyncio.create_task(plans.ready(TENANT, 10, wait=0.3))
    await asyncio.sleep(0.05)

    await plans.update_task(TENANT, "g1", "a", TaskState.SUCCEEDED, "done")

    assert await waiting == []
    await plans.resume_goal(TENANT, "g1")
    assert [w.task.id for w in await plans.ready(TENANT, 10)] == ["b"]


async def test_a_goal_submitted_with_its_plan_is_one_write(goals: GoalService,
                                                          plans: PlanService) -> None:
    waiting = asyncio.create_task(plans.ready(TENANT, 10, wait=10))
    await asyncio.sleep(0.05)
    draft = PlanDraft(tasks=(task("a"),), complexity=1)
    goal = await plans.create_goal(Goal(tenant=TENANT, id="g1", description="given"), draft)
    assert [(w.goal_id, w.task.id, w.goal_description) for w in await waiting] == [
        ("g1", "a", "given")]

    with pytest.raises(AlreadyExists):
        await plans.create_goal(Goal(tenant=TENANT, id="g1", description="again"),
                                PlanDraft(tasks=(task("x"), task("y")), complexity=2))

    assert await goals.get(TENANT, "g1") == goal
    assert [t.id for t in (await plans.current(TENANT, "g1")).tasks] == ["a"]


async def test_a_submitted_goals_audit_entry_is_written_with_it_and_not_for_a_taken_id(
        db: DatabaseConnection, plans: PlanService) -> None:
    outbox = AuditOutbox(db)
    recorder = AuditRecorder("planner", outbox)
    request = pb.CreateGoalRequest(parent=f"tenants/{TENANT}",
                                   goal=goal_pb2.Goal(description="given"))
    draft = PlanDraft(tasks=(task("a"),), complexity=1)
    with context.bind(context.CallContext(tenant=TENANT, subject="users/ada")):
        with recorder.serving(CREATE_GOAL, request) as created:
            await plans.create_goal(Goal(tenant=TENANT, id="g1", description="given"), draft)
        with recorder.serving(CREATE_GOAL, request) as refused, pytest.raises(AlreadyExists):
            await plans.create_goal(Goal(tenant=TENANT, id="g1", description="again"), draft)

    assert created.written and not refused.written  # the RPC boundary records the refusal
    [entry] = await outbox.due(10)
    assert (entry.action, entry.resource, entry.actor, entry.outcome) == (
        "planner.create_goal", f"tenants/{TENANT}/goals/g1", "users/ada", "SUCCESS")
