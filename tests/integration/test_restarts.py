"""A service on a goal's path killed twice during the goal, restarted each time by the mesh's
supervisor, and the goal still succeeds with each task run once: one succeeded execution and one
model call per task, no attempt spent, the audit chain intact. The planner killed twice while it
drafts a goal's plan takes the goal back at once when it restarts.

Model calls take 5 s (the offline provider's simulated latency), so a kill lands mid-call and a
goal outlasts a restart (a few seconds) even when the victim does not hold it up; the tenant has
a quality policy for both roles, so every task's output goes through the gate.
"""

from __future__ import annotations

import pathlib
import signal
from collections.abc import AsyncIterator, Awaitable, Callable
from typing import TypeVar

import grpc
import pytest

from cognition.audit.v1 import audit_service_pb2 as audit_pb
from cognition.audit.v1 import audit_service_pb2_grpc as audit_grpc
from cognition.orchestrator.v1 import execution_pb2
from cognition.orchestrator.v1 import orchestrator_service_pb2 as orch_pb
from cognition.orchestrator.v1 import orchestrator_service_pb2_grpc as orch_grpc
from cognition.planner.v1 import goal_pb2, plan_pb2, task_pb2
from cognition.planner.v1 import planner_service_pb2 as pb
from cognition.planner.v1 import planner_service_pb2_grpc as pb_grpc
from cognition.quality.v1 import policy_pb2
from cognition.quality.v1 import quality_service_pb2 as quality_pb
from cognition.quality.v1 import quality_service_pb2_grpc as quality_grpc
from cognition.runtime.v1 import runtime_service_pb2 as runtime_pb
from cognition.runtime.v1 import runtime_service_pb2_grpc as runtime_grpc
from cognos.mesh import health
from cognos.mesh.supervisor import Mesh, MeshLayout, Replica
from tests.helpers import assert_eventually
from tests.integration.conftest import signed_channel, supervised_mesh

T = TypeVar("T")

ENV = {"COGNOS_AI_RUNTIME_OFFLINE_LATENCY_MS": "5000"}
# The services a goal's path crosses: each is killed twice during a goal of its own.
ON_THE_PATH = ("task-planner", "agent-orchestrator", "ai-runtime", "ai-quality-gate", "memory",
               "audit-log", "auth")
TASKS = ("work", "wrap-up")
pytestmark = pytest.mark.timeout(180)


@pytest.fixture(scope="module")
async def supervised(tmp_path_factory: pytest.TempPathFactory) -> AsyncIterator[Mesh]:
    """Every service and Envoy, with slow model calls, restarted by the supervisor when
    they die."""
    async with supervised_mesh(MeshLayout.ephemeral(
            pathlib.Path(tmp_path_factory.mktemp("restarts")), env=ENV)) as mesh:
        yield mesh


@pytest.fixture(scope="module")
async def channel(supervised: Mesh) -> AsyncIterator[grpc.aio.Channel]:
    """A channel to Envoy signing each call in as an admin of the request's tenant."""
    async with signed_channel(supervised) as opened:
        yield opened


async def meanwhile(call: Callable[[], Awaitable[T]]) -> T | None:
    """``call``'s answer, or None while a service it needs is down or restarting."""
    try:
        return await call()
    except grpc.aio.AioRpcError as error:
        if error.code() in (grpc.StatusCode.UNAVAILABLE, grpc.StatusCode.DEADLINE_EXCEEDED,
                            grpc.StatusCode.UNAUTHENTICATED):
            return None
        raise


async def judged_by_the_gate(channel: grpc.aio.Channel, tenant: str) -> None:
    """A quality policy for each role of the plan, which every output passes (it forbids a
    phrase no answer contains)."""
    gate = quality_grpc.QualityServiceStub(channel)
    for role in ("executor", "summarizer"):
        await gate.CreatePolicy(quality_pb.CreatePolicyRequest(
            parent=f"tenants/{tenant}", policy_id=f"{role}-output", policy=policy_pb2.Policy(
                display_name="No forbidden phrase", rules=[policy_pb2.Rule(
                    kind=policy_pb2.RULE_KIND_FORBIDDEN_PATTERNS,
                    config='{"patterns": ["forbidden phrase"]}')])), timeout=10)


def two_tasks() -> plan_pb2.Plan:
    return plan_pb2.Plan(tasks=[
        task_pb2.Task(name="work", title="Do the work", instructions="Write three lines",
                      agent_role="executor", critical=True),
        task_pb2.Task(name="wrap-up", title="Wrap up", instructions="Summarize the work",
                      agent_role="summarizer", depends_on=["work"], critical=True),
    ], complexity=2)


async def goal_state(channel: grpc.aio.Channel, goal: str) -> int | None:
    planner = pb_grpc.PlannerServiceStub(channel)
    found = await meanwhile(lambda: planner.GetGoal(pb.GetGoalRequest(name=goal), timeout=5))
    return None if found is None else found.goal.state


async def kill_and_await_restart(victim: Replica, restarts: int) -> None:
    """SIGKILL the victim, then wait until the supervisor has started it again and it serves."""
    victim.process.signal(signal.SIGKILL)

    async def serving_again() -> bool:
        return (victim.process.restarts == restarts and victim.process.exited() is None
                and await health.check(victim.address, victim.spec) == "SERVING")

    await assert_eventually(serving_again, timeout=60, interval=0.1,
                            message=f"{victim.spec.name} restarted ({restarts})")


@pytest.mark.parametrize("service", ON_THE_PATH)
async def test_a_goal_succeeds_through_a_service_on_its_path_killed_twice(
        supervised: Mesh, channel: grpc.aio.Channel, tenant: str, service: str) -> None:
    [victim] = supervised.replicas_of(service)
    await judged_by_the_gate(channel, tenant)
    goal = (await pb_grpc.PlannerServiceStub(channel).CreateGoal(pb.CreateGoalRequest(
        parent=f"tenants/{tenant}", goal=goal_pb2.Goal(description="Survive restarts"),
        plan=two_tasks()), timeout=10)).goal

    async def working() -> bool:
        listed = await meanwhile(lambda: pb_grpc.PlannerServiceStub(channel).ListTasks(
            pb.ListTasksRequest(parent=goal.name), timeout=5))
        return listed is not None and any(t.state == task_pb2.TASK_STATE_RUNNING
                                          for t in listed.tasks)

    await assert_eventually(working, timeout=30, interval=0.05, message="a task is running")
    for restarts in (1, 2):
        assert await assert_eventually(lambda: goal_state(channel, goal.name), timeout=30,
                                       message="the goal's state") == goal_pb2.GOAL_STATE_RUNNING
        await kill_and_await_restart(victim, restarts)

    async def succeeded() -> bool:
        return await goal_state(channel, goal.name) == goal_pb2.GOAL_STATE_SUCCEEDED

    await assert_eventually(succeeded, timeout=90, interval=0.2,
                            message="the goal succeeds after the restarts")
    await assert_each_task_ran_once(channel, tenant, goal.name)
    await assert_the_audit_chain_verifies(channel, tenant, goal.name)


async def test_a_goal_succeeds_through_its_planner_killed_twice_while_drafting_its_plan(
        supervised: Mesh, channel: grpc.aio.Channel, tenant: str) -> None:
    [victim] = supervised.replicas_of("task-planner")
    restarted = victim.process.restarts
    await judged_by_the_gate(channel, tenant)
    # Three words: the planner agent drafts research (executor) then summarize (summarizer).
    goal = (await pb_grpc.PlannerServiceStub(channel).CreateGoal(pb.CreateGoalRequest(
        parent=f"tenants/{tenant}", goal=goal_pb2.Goal(description="Survive planner restarts")),
        timeout=10)).goal
    async def drafting() -> bool:
        return await goal_state(channel, goal.name) == goal_pb2.GOAL_STATE_PLANNING

    for restarts in (restarted + 1, restarted + 2):
        await assert_eventually(drafting, timeout=30, message="the goal is being planned")
        await kill_and_await_restart(victim, restarts)

    async def succeeded() -> bool:
        return await goal_state(channel, goal.name) == goal_pb2.GOAL_STATE_SUCCEEDED

    # A draft, then two tasks, each a model call of 5 s: the restarted planner drafts at once
    # (waiting for the claim of the killed one to run out would take longer than this).
    await assert_eventually(succeeded, timeout=60, interval=0.2,
                            message="the goal succeeds after the planner's restarts")
    await assert_each_task_ran_once(channel, tenant, goal.name, ("research", "summarize"))
    await assert_the_audit_chain_verifies(channel, tenant, goal.name, ("research", "summarize"))


async def assert_each_task_ran_once(channel: grpc.aio.Channel, tenant: str, goal: str,
                                    names: tuple[str, ...] = TASKS) -> None:
    """One succeeded execution per task, the first attempt, and one model call per task."""
    listed = await pb_grpc.PlannerServiceStub(channel).ListTasks(
        pb.ListTasksRequest(parent=goal), timeout=5)
    tasks = {t.name.rsplit("/", 1)[-1]: t for t in listed.tasks}
    assert set(tasks) == set(names)
    orchestrator = orch_grpc.OrchestratorServiceStub(channel)

    async def executions(task: str) -> list[execution_pb2.Execution] | None:
        found = await meanwhile(lambda: orchestrator.ListExecutions(
            orch_pb.ListExecutionsRequest(parent=f"tenants/{tenant}", task=task), timeout=5))
        return None if found is None else list(found.executions)

    for task in tasks.values():
        assert task.state == task_pb2.TASK_STATE_SUCCEEDED and task.result
        runs = await assert_eventually(lambda: executions(task.name), timeout=15,  # noqa: B023
                                       message="the orchestrator answers")
        assert [(r.state, r.attempt) for r in runs] == [
            (execution_pb2.EXECUTION_STATE_SUCCEEDED, 1)], task.name
        assert task.attempts == 1, task.name
    completions = await runtime_grpc.RuntimeServiceStub(channel).ListCompletions(
        runtime_pb.ListCompletionsRequest(parent=f"tenants/{tenant}",
                                          filter=f'goal = "{goal}"'), timeout=5)
    assert sorted(c.role for c in completions.completions if c.role != "planner") == [
        "executor", "summarizer"]


async def assert_the_audit_chain_verifies(channel: grpc.aio.Channel, tenant: str, goal: str,
                                          names: tuple[str, ...] = TASKS) -> None:
    """Every task's end reached the audit log (delivered late when it was down), and the
    tenant's chain verifies."""
    audit = audit_grpc.AuditServiceStub(channel)
    ends = {f"{goal}/tasks/{task}" for task in names}

    async def delivered() -> bool:
        listed = await meanwhile(lambda: audit.ListAuditEntries(audit_pb.ListAuditEntriesRequest(
            parent=f"tenants/{tenant}", page_size=1000), timeout=5))
        return listed is not None and ends <= {
            e.resource for e in listed.audit_entries if e.action == "planner.update_task"}

    await assert_eventually(delivered, timeout=30, interval=0.2,
                            message="the tasks' ends are in the audit log")
    verified = await audit.VerifyChain(audit_pb.VerifyChainRequest(parent=f"tenants/{tenant}"),
                                       timeout=10)
    assert verified.valid, (verified.first_bad_entry, verified.reason)
