"""The task-planner's real server on a free port: plans and tasks over gRPC."""

from __future__ import annotations

import asyncio
import pathlib
import sqlite3
from collections.abc import AsyncIterator

import grpc
import pytest
from google.protobuf import field_mask_pb2

from cognition.planner.v1 import goal_pb2, plan_pb2, task_pb2
from cognition.planner.v1 import planner_service_pb2 as pb
from cognition.planner.v1 import planner_service_pb2_grpc as pb_grpc
from services.task_planner.config import Settings
from services.task_planner.server import create_server
from shared.errors import InvalidArgument
from shared.rpc.status import from_rpc_error
from tests.helpers import mesh_channel, service_metadata

GOAL = "tenants/acme/goals/g1"


def draft_task(name: str, *depends_on: str, **fields: object) -> task_pb2.Task:
    values: dict[str, object] = {"title": name, "instructions": f"do {name}",
                                 "agent_role": "executor", "critical": True}
    values.update(fields)
    return task_pb2.Task(name=name, depends_on=depends_on, **values)  # type: ignore[arg-type]


@pytest.fixture
async def stub(tmp_path: pathlib.Path) -> AsyncIterator[pb_grpc.PlannerServiceStub]:
    running = await create_server(Settings(port=0, mesh={"data_dir": str(tmp_path)},  # type: ignore[arg-type]
                                           known_tools=("web.search",),
                                           planning_interval_seconds=0))
    try:
        async with mesh_channel(f"127.0.0.1:{running.port}") as channel:
            planner = pb_grpc.PlannerServiceStub(channel)
            await planner.CreateGoal(pb.CreateGoalRequest(
                parent="tenants/acme", goal_id="g1", goal=goal_pb2.Goal(description="ship")))
            yield planner
    finally:
        await running.stop(0)


async def update(stub: pb_grpc.PlannerServiceStub, task: str, state: task_pb2.TaskState,
                 result: str = "") -> task_pb2.Task:
    paths = ["state", "result"] if result else ["state"]
    response = await stub.UpdateTask(pb.UpdateTaskRequest(
        task=task_pb2.Task(name=f"{GOAL}/tasks/{task}", state=state, result=result),
        update_mask=field_mask_pb2.FieldMask(paths=paths)))
    updated: task_pb2.Task = response.task
    return updated


async def test_update_task_sets_the_attempts_the_orchestrator_made(
        stub: pb_grpc.PlannerServiceStub) -> None:
    await stub.CreatePlan(pb.CreatePlanRequest(parent=GOAL, plan=plan_pb2.Plan(
        complexity=1, tasks=[draft_task("only")])))
    name = f"{GOAL}/tasks/only"

    async def report(state: task_pb2.TaskState, attempts: int) -> task_pb2.Task:
        response = await stub.UpdateTask(pb.UpdateTaskRequest(
            task=task_pb2.Task(name=name, state=state, attempts=attempts),
            update_mask=field_mask_pb2.FieldMask(paths=["state", "attempts"])))
        reported: task_pb2.Task = response.task
        return reported

    assert (await report(task_pb2.TASK_STATE_RUNNING, 1)).attempts == 1
    assert (await report(task_pb2.TASK_STATE_RUNNING, 3)).attempts == 3  # two retries later
    with pytest.raises(grpc.aio.AioRpcError) as caught:
        await report(task_pb2.TASK_STATE_RUNNING, -1)
    assert caught.value.code() == grpc.StatusCode.INVALID_ARGUMENT
    decoded = from_rpc_error(caught.value)
    assert isinstance(decoded, InvalidArgument)
    assert [v.field for v in decoded.violations] == ["task.attempts"]
    listed = await stub.ListTasks(pb.ListTasksRequest(parent=GOAL))
    assert [t.attempts for t in listed.tasks] == [3]


async def test_a_start_without_attempts_counts_one(stub: pb_grpc.PlannerServiceStub) -> None:
    await stub.CreatePlan(pb.CreatePlanRequest(parent=GOAL, plan=plan_pb2.Plan(
        complexity=1, tasks=[draft_task("only")])))
    response = await stub.UpdateTask(pb.UpdateTaskRequest(  # an empty mask names every field
        task=task_pb2.Task(name=f"{GOAL}/tasks/only", state=task_pb2.TASK_STATE_RUNNING)))
    assert response.task.attempts == 1


async def test_create_plan_list_tasks_and_run_them(stub: pb_grpc.PlannerServiceStub) -> None:
    plan = (await stub.CreatePlan(pb.CreatePlanRequest(parent=GOAL, plan=plan_pb2.Plan(
        complexity=3, tasks=[
            draft_task("report", "left", f"{GOAL}/tasks/right", agent_role="summarizer"),
            draft_task("left", "search"),
            draft_task("right", "search", agent_role="critic"),
            draft_task(f"{GOAL}/tasks/search", tools=["web.search"]),
        ])))).plan
    assert (plan.name, plan.revision, plan.complexity) == (f"{GOAL}/plans/r1", 1, 3)
    assert plan.tasks[0].name == f"{GOAL}/tasks/report"
    assert list(plan.tasks[0].depends_on) == [f"{GOAL}/tasks/left", f"{GOAL}/tasks/right"]
    assert [t.state for t in plan.tasks] == [task_pb2.TASK_STATE_BLOCKED] * 3 + [
        task_pb2.TASK_STATE_READY]
    assert (await stub.GetPlan(pb.GetPlanRequest(name=plan.name))).plan == plan
    goal = (await stub.GetGoal(pb.GetGoalRequest(name=GOAL))).goal
    assert (goal.state, goal.plan) == (goal_pb2.GOAL_STATE_RUNNING, plan.name)

    page = await stub.ListTasks(pb.ListTasksRequest(parent=GOAL, page_size=2))
    rest = await stub.ListTasks(pb.ListTasksRequest(parent=GOAL, page_token=page.next_page_token))
    assert [t.name.rsplit("/", 1)[1] for t in [*page.tasks, *rest.tasks]] == [
        "search", "left", "right", "report"]
    assert rest.next_page_token == ""

    started = await update(stub, "search", task_pb2.TASK_STATE_RUNNING)
    assert (started.attempts, started.HasField("start_time")) == (1, True)
    finished = await update(stub, "search", task_pb2.TASK_STATE_SUCCEEDED, "found it")
    assert (finished.result, finished.HasField("end_time")) == ("found it", True)
    with pytest.raises(grpc.aio.AioRpcError) as refused:
        await update(stub, "report", task_pb2.TASK_STATE_RUNNING)
    assert refused.value.code() == grpc.StatusCode.FAILED_PRECONDITION
    assert from_rpc_error(refused.value).reason == "TASK_TRANSITION_NOT_ALLOWED"
    with pytest.raises(grpc.aio.AioRpcError) as unspecified:
        await update(stub, "left", task_pb2.TASK_STATE_UNSPECIFIED)
    assert unspecified.value.code() == grpc.StatusCode.INVALID_ARGUMENT

    replanned = (await stub.ReplanGoal(pb.ReplanGoalRequest(
        name=GOAL, reason="simpler", plan=plan_pb2.Plan(complexity=2, tasks=[
            draft_task("search", tools=["web.search"]), draft_task("report", "search")])))).plan
    assert (replanned.name, replanned.revision, replanned.replan_reason) == (
        f"{GOAL}/plans/r2", 2, "simpler")
    assert [(t.state, t.result) for t in replanned.tasks] == [
        (task_pb2.TASK_STATE_SUCCEEDED, "found it"), (task_pb2.TASK_STATE_READY, "")]
    await update(stub, "report", task_pb2.TASK_STATE_RUNNING)
    await update(stub, "report", task_pb2.TASK_STATE_SUCCEEDED, "done")
    goal = (await stub.GetGoal(pb.GetGoalRequest(name=GOAL))).goal
    assert (goal.state, goal.plan) == (goal_pb2.GOAL_STATE_SUCCEEDED, replanned.name)
    assert (await stub.GetPlan(pb.GetPlanRequest(name=plan.name))).plan.revision == 1


async def test_a_cyclic_plan_is_refused_naming_the_task_and_nothing_is_written(
        stub: pb_grpc.PlannerServiceStub) -> None:
    with pytest.raises(grpc.aio.AioRpcError) as refused:
        await stub.CreatePlan(pb.CreatePlanRequest(parent=GOAL, plan=plan_pb2.Plan(
            complexity=2, tasks=[draft_task("a"), draft_task("b", "a", "c"),
                                 draft_task("c", "b")])))
    assert refused.value.code() == grpc.StatusCode.INVALID_ARGUMENT
    error = from_rpc_error(refused.value)
    assert isinstance(error, InvalidArgument)
    [violation] = error.violations
    assert violation.field == "plan.tasks[2].depends_on[0]"
    assert "'c'" in violation.description and "b -> c -> b" in violation.description

    goal = (await stub.GetGoal(pb.GetGoalRequest(name=GOAL))).goal
    assert (goal.state, goal.plan) == (goal_pb2.GOAL_STATE_PENDING, "")
    with pytest.raises(grpc.aio.AioRpcError) as missing:
        await stub.ListTasks(pb.ListTasksRequest(parent=GOAL))
    assert missing.value.code() == grpc.StatusCode.NOT_FOUND
    with pytest.raises(grpc.aio.AioRpcError) as no_plan:
        await stub.GetPlan(pb.GetPlanRequest(name=f"{GOAL}/plans/r1"))
    assert no_plan.value.code() == grpc.StatusCode.NOT_FOUND


async def test_unknown_tools_and_roles_are_refused_naming_the_task(
        stub: pb_grpc.PlannerServiceStub) -> None:
    with pytest.raises(grpc.aio.AioRpcError) as refused:
        await stub.CreatePlan(pb.CreatePlanRequest(parent=GOAL, plan=plan_pb2.Plan(
            complexity=1, tasks=[draft_task("a", tools=["web.search", "rm-rf"]),
                                 draft_task("b", agent_role="wizard")])))
    error = from_rpc_error(refused.value)
    assert isinstance(error, InvalidArgument)
    assert [v.field for v in error.violations] == ["plan.tasks[0].tools[1]",
                                                   "plan.tasks[1].agent_role"]


async def test_watch_goal_streams_task_events(stub: pb_grpc.PlannerServiceStub) -> None:
    await stub.CreatePlan(pb.CreatePlanRequest(parent=GOAL, plan=plan_pb2.Plan(
        complexity=1, tasks=[draft_task("only")])))
    events: list[pb.WatchGoalResponse] = []
    ready = asyncio.Event()

    async def watch() -> None:
        async for event in stub.WatchGoal(pb.WatchGoalRequest(name=GOAL)):
            events.append(event)
            if event.event_type == "task.ready":
                ready.set()

    watcher = asyncio.create_task(watch())
    await asyncio.wait_for(ready.wait(), 10)
    await update(stub, "only", task_pb2.TASK_STATE_RUNNING)
    await update(stub, "only", task_pb2.TASK_STATE_SUCCEEDED, "ok")
    await asyncio.wait_for(watcher, 10)
    task_events = [(e.event_type, e.task.name, e.task.state) for e in events if e.HasField("task")]
    assert ("task.succeeded", f"{GOAL}/tasks/only", task_pb2.TASK_STATE_SUCCEEDED) in task_events
    assert events[-1].event_type == "goal.succeeded" and not events[-1].HasField("task")


async def test_cancel_goal_cancels_its_tasks(stub: pb_grpc.PlannerServiceStub) -> None:
    await stub.CreatePlan(pb.CreatePlanRequest(parent=GOAL, plan=plan_pb2.Plan(
        complexity=1, tasks=[draft_task("a"), draft_task("b", "a")])))
    goal = (await stub.CancelGoal(pb.CancelGoalRequest(name=GOAL))).goal
    assert goal.state == goal_pb2.GOAL_STATE_CANCELLED
    tasks = (await stub.ListTasks(pb.ListTasksRequest(parent=GOAL))).tasks
    assert {t.state for t in tasks} == {task_pb2.TASK_STATE_CANCELLED}


async def test_ready_tasks_of_every_tenant_are_for_internal_callers_only(
        stub: pb_grpc.PlannerServiceStub) -> None:
    await stub.CreatePlan(pb.CreatePlanRequest(parent=GOAL, plan=plan_pb2.Plan(
        complexity=1, tasks=[draft_task("only")])))
    internal = service_metadata(scopes=["tasks.dispatch"])
    listed = await stub.ListReadyTasks(pb.ListReadyTasksRequest(parent="tenants/-"),
                                       metadata=internal)
    assert [r.task.name for r in listed.ready_tasks] == [f"{GOAL}/tasks/only"]
    assert listed.ready_tasks[0].goal_description == "ship"

    tenant_user = service_metadata("other", ["tasks.dispatch"])
    with pytest.raises(grpc.aio.AioRpcError) as refused:
        await stub.ListReadyTasks(pb.ListReadyTasksRequest(parent="tenants/-"),
                                  metadata=tenant_user)
    assert refused.value.code() == grpc.StatusCode.NOT_FOUND
    own = await stub.ListReadyTasks(pb.ListReadyTasksRequest(parent="tenants/acme"),
                                    metadata=service_metadata("acme", ["tasks.dispatch"]))
    assert len(own.ready_tasks) == 1
    with pytest.raises(grpc.aio.AioRpcError) as no_scope:
        await stub.ListReadyTasks(pb.ListReadyTasksRequest(parent="tenants/acme"),
                                  metadata=service_metadata("acme", ["tasks.read"]))
    assert no_scope.value.code() == grpc.StatusCode.PERMISSION_DENIED


async def test_task_updates_written_together_are_each_audited_once(
        stub: pb_grpc.PlannerServiceStub, tmp_path: pathlib.Path) -> None:
    """Concurrent updates of one goal share a transaction, which carries the audit entries of
    the applied ones; a refused update gets its entry from the RPC boundary."""
    await stub.CreatePlan(pb.CreatePlanRequest(parent=GOAL, plan=plan_pb2.Plan(
        complexity=2, tasks=[draft_task("a"), draft_task("b"), draft_task("c", "a")])))
    outcomes = await asyncio.gather(
        *(update(stub, task, task_pb2.TASK_STATE_RUNNING) for task in ("a", "b", "c")),
        return_exceptions=True)
    assert [isinstance(o, grpc.aio.AioRpcError) for o in outcomes] == [False, False, True]

    with sqlite3.connect(tmp_path / "task_planner.db") as db:
        entries = db.execute("SELECT outcome, resource FROM audit_outbox "
                             "WHERE action = 'planner.update_task'").fetchall()
    assert sorted(entries) == [("FAILURE", f"{GOAL}/tasks/c"), ("SUCCESS", f"{GOAL}/tasks/a"),
                               ("SUCCESS", f"{GOAL}/tasks/b")]
