"""Goals run end to end on a mesh of real processes: the planner agent drafts the DAG, the
orchestrator dispatches ready tasks to agents (built-in ones running the agent pipeline through
the AI runtime with 300 ms of simulated model latency, or external test agents), and every
failure strategy, an orchestrator crash, budgets and bad goals behave as documented."""

from __future__ import annotations

import asyncio
import pathlib
import signal
from collections.abc import AsyncIterator
from typing import Any

import grpc
import pytest

from cognition.audit.v1 import audit_service_pb2 as audit_pb
from cognition.audit.v1 import audit_service_pb2_grpc as audit_grpc
from cognition.observability.v1 import observability_service_pb2 as obs_pb
from cognition.observability.v1 import observability_service_pb2_grpc as obs_grpc
from cognition.orchestrator.v1 import agent_pb2, assignment_pb2, execution_pb2
from cognition.orchestrator.v1 import orchestrator_service_pb2 as orch_pb
from cognition.orchestrator.v1 import orchestrator_service_pb2_grpc as orch_grpc
from cognition.planner.v1 import goal_pb2, plan_pb2, task_pb2
from cognition.planner.v1 import planner_service_pb2 as pb
from cognition.planner.v1 import planner_service_pb2_grpc as pb_grpc
from cognition.quality.v1 import policy_pb2, validation_pb2
from cognition.quality.v1 import quality_service_pb2 as quality_pb
from cognition.quality.v1 import quality_service_pb2_grpc as quality_grpc
from cognition.runtime.v1 import completion_pb2
from cognition.runtime.v1 import runtime_service_pb2 as runtime_pb
from cognition.runtime.v1 import runtime_service_pb2_grpc as runtime_grpc
from cognos.mesh.supervisor import Mesh, MeshLayout
from tests.helpers import assert_eventually
from tests.integration.conftest import signed_channel
from tests.integration.external_agent import ExternalAgent

LATENCY_MS = 300
CAPPED = "budget-capped"  # a tenant whose budget cannot pay for a single model call
ENV = {
    "COGNOS_AI_RUNTIME_OFFLINE_LATENCY_MS": str(LATENCY_MS),
    "COGNOS_AI_RUNTIME_PRICES": '{"offline/*": {"input": 1000, "output": 1000}}',
    "COGNOS_AI_RUNTIME_TENANT_BUDGETS": f'{{"{CAPPED}": 1}}',
    "COGNOS_AGENT_ORCHESTRATOR_HEARTBEAT_TIMEOUT_SECONDS": "2",
    "COGNOS_AGENT_ORCHESTRATOR_SUPERVISE_INTERVAL_SECONDS": "0.5",
}
pytestmark = pytest.mark.timeout(240)


@pytest.fixture(scope="module")
async def runs(tmp_path_factory: pytest.TempPathFactory) -> AsyncIterator[Mesh]:
    """Every service and Envoy, with simulated model latency and quick health checks."""
    mesh = Mesh(MeshLayout.ephemeral(pathlib.Path(tmp_path_factory.mktemp("runs")), env=ENV))
    await mesh.start(timeout=90)
    yield mesh
    await mesh.stop()


@pytest.fixture(scope="module")
async def channel(runs: Mesh) -> AsyncIterator[grpc.aio.Channel]:
    """A channel to Envoy signing each call in as an admin of the request's tenant."""
    async with signed_channel(runs) as opened:
        yield opened


def planner(channel: grpc.aio.Channel) -> pb_grpc.PlannerServiceStub:
    return pb_grpc.PlannerServiceStub(channel)


def orchestrator(channel: grpc.aio.Channel) -> orch_grpc.OrchestratorServiceStub:
    return orch_grpc.OrchestratorServiceStub(channel)


async def submit(channel: grpc.aio.Channel, tenant: str, description: str,
                 plan: plan_pb2.Plan | None = None) -> goal_pb2.Goal:
    return (await planner(channel).CreateGoal(pb.CreateGoalRequest(
        parent=f"tenants/{tenant}", goal=goal_pb2.Goal(description=description), plan=plan),
        timeout=10)).goal


async def until_state(channel: grpc.aio.Channel, goal: goal_pb2.Goal, *states: int,
                      timeout: float = 60) -> goal_pb2.Goal:
    async def probe() -> goal_pb2.Goal | None:
        now = (await planner(channel).GetGoal(pb.GetGoalRequest(name=goal.name), timeout=5)).goal
        return now if now.state in states else None

    names = "/".join(goal_pb2.GoalState.Name(s) for s in states)
    return await assert_eventually(probe, timeout=timeout, interval=0.2,
                                   message=f"{goal.name} reaches {names}")


async def tasks_of(channel: grpc.aio.Channel, goal: goal_pb2.Goal) -> dict[str, task_pb2.Task]:
    listed = await planner(channel).ListTasks(pb.ListTasksRequest(parent=goal.name), timeout=5)
    return {t.name.rsplit("/", 1)[-1]: t for t in listed.tasks}


async def executions_of(channel: grpc.aio.Channel, task: task_pb2.Task
                        ) -> list[execution_pb2.Execution]:
    tenant = task.name.split("/")[1]
    listed = await orchestrator(channel).ListExecutions(orch_pb.ListExecutionsRequest(
        parent=f"tenants/{tenant}", task=task.name), timeout=5)
    return sorted(listed.executions, key=lambda e: e.attempt)


async def assignments_of(channel: grpc.aio.Channel, task: task_pb2.Task
                         ) -> list[assignment_pb2.Assignment]:
    tenant = task.name.split("/")[1]
    listed = await orchestrator(channel).ListAssignments(orch_pb.ListAssignmentsRequest(
        parent=f"tenants/{tenant}", task=task.name), timeout=5)
    return sorted(listed.assignments, key=lambda a: a.create_time.ToDatetime())


def one_task_plan(role: str = "executor", *, critical: bool = True,
                  tools: tuple[str, ...] = ()) -> plan_pb2.Plan:
    """``work`` (``role``), then ``wrap-up`` (summarizer) depending on it."""
    return plan_pb2.Plan(tasks=[
        task_pb2.Task(name="work", title="Do the work", instructions="Write three lines",
                      agent_role=role, critical=critical, tools=list(tools)),
        task_pb2.Task(name="wrap-up", title="Wrap up", instructions="Summarize the work",
                      agent_role="summarizer", depends_on=["work"], critical=True),
    ], complexity=2)


async def test_a_goal_runs_its_dag_in_dependency_order_with_independent_tasks_at_once(
        channel: grpc.aio.Channel, tenant: str) -> None:
    goal = await submit(channel, tenant, "Compare: PostgreSQL, SQLite")

    done = await until_state(channel, goal, goal_pb2.GOAL_STATE_SUCCEEDED)

    tasks = await tasks_of(channel, done)
    assert set(tasks) == {"research-1", "research-2", "draft", "critique", "summarize"}
    assert all(t.state == task_pb2.TASK_STATE_SUCCEEDED and t.result for t in tasks.values())
    runs = {task_id: (await executions_of(channel, task))[-1] for task_id, task in tasks.items()}
    assert all(r.state == execution_pb2.EXECUTION_STATE_SUCCEEDED for r in runs.values())
    start = {k: r.start_time.ToDatetime() for k, r in runs.items()}
    end = {k: r.end_time.ToDatetime() for k, r in runs.items()}
    for task_id, task in tasks.items():  # nothing started before its dependencies ended
        for dependency in task.depends_on:
            assert start[task_id] >= end[dependency.rsplit("/", 1)[-1]], (task_id, dependency)
    # The two research tasks ran at the same time (each takes >= 300 ms of model time).
    assert start["research-2"] < end["research-1"] and start["research-1"] < end["research-2"]
    assert all(r.agent.split("/")[-1].startswith("builtin-") for r in runs.values())

    async def audited() -> set[tuple[str, str]] | None:
        listed = await audit_grpc.AuditServiceStub(channel).ListAuditEntries(
            audit_pb.ListAuditEntriesRequest(parent=f"tenants/{tenant}", page_size=1000),
            timeout=5)
        seen = {(e.action, e.resource) for e in listed.audit_entries}
        wanted = {("orchestrator.complete_execution", r.name) for r in runs.values()}
        return seen if wanted <= seen else None

    # Every hop of each task's pipeline is in the audit trail, the attempts' ends included.
    actions = {action for action, _ in await assert_eventually(
        audited, timeout=15, message="every attempt is audited")}
    assert {"runtime.complete", "planner.update_task",
            "orchestrator.complete_execution"} <= actions


async def test_retry_a_task_that_fails_twice_then_succeeds(
        channel: grpc.aio.Channel, tenant: str) -> None:
    def flaky(task: str, attempt: int) -> tuple[str, str]:
        return ("three lines", "") if attempt == 3 else ("", f"flaky failure #{attempt}")

    agent = await ExternalAgent(channel, tenant, "flaky", "executor",
                                agent_pb2.FAILURE_STRATEGY_RETRY, flaky).start()
    try:
        goal = await submit(channel, tenant, "Retry on failure", one_task_plan())
        await until_state(channel, goal, goal_pb2.GOAL_STATE_SUCCEEDED)
    finally:
        await agent.stop()

    work = (await tasks_of(channel, goal))["work"]
    attempts = await executions_of(channel, work)
    assert [e.state for e in attempts] == [execution_pb2.EXECUTION_STATE_FAILED,
                                           execution_pb2.EXECUTION_STATE_FAILED,
                                           execution_pb2.EXECUTION_STATE_SUCCEEDED]
    assert [e.attempt for e in attempts] == [1, 2, 3]
    assert work.attempts == 3  # the planner's count is the executions'
    assert attempts[1].start_time.ToDatetime() > attempts[0].end_time.ToDatetime()  # backoff
    assert work.result == "three lines"


async def test_a_task_failing_for_good_has_the_planner_agent_plan_the_goal_again(
        channel: grpc.aio.Channel, tenant: str) -> None:
    calls = 0

    def fails_three_times(task: str, attempt: int) -> tuple[str, str]:
        nonlocal calls
        calls += 1
        return ("made it", "") if calls > 3 else ("", f"failure #{calls}")

    agent = await ExternalAgent(channel, tenant, "stubborn", "executor",
                                agent_pb2.FAILURE_STRATEGY_RETRY, fails_three_times).start()
    try:
        goal = await submit(channel, tenant, "Replan after failure", one_task_plan())
        done = await until_state(channel, goal, goal_pb2.GOAL_STATE_SUCCEEDED, timeout=90)
    finally:
        await agent.stop()

    assert done.plan == f"{goal.name}/plans/r2"
    first = (await planner(channel).GetPlan(pb.GetPlanRequest(name=f"{goal.name}/plans/r1"),
                                            timeout=5)).plan
    assert {t.name.rsplit("/", 1)[-1]: t.state for t in first.tasks}["work"] == \
        task_pb2.TASK_STATE_FAILED
    second = (await planner(channel).GetPlan(pb.GetPlanRequest(name=done.plan),
                                             timeout=5)).plan
    assert "work (Do the work) failed for good" in second.replan_reason
    assert all(t.state == task_pb2.TASK_STATE_SUCCEEDED for t in second.tasks)


async def test_skip_a_non_critical_task_that_fails_and_the_goal_still_succeeds(
        channel: grpc.aio.Channel, tenant: str) -> None:
    agent = await ExternalAgent(channel, tenant, "fragile", "executor",
                                agent_pb2.FAILURE_STRATEGY_SKIP,
                                lambda task, attempt: ("", "cannot do it")).start()
    try:
        goal = await submit(channel, tenant, "Skip optional work",
                            one_task_plan(critical=False))
        await until_state(channel, goal, goal_pb2.GOAL_STATE_SUCCEEDED)
    finally:
        await agent.stop()

    tasks = await tasks_of(channel, goal)
    assert tasks["work"].state == task_pb2.TASK_STATE_SKIPPED
    assert tasks["wrap-up"].state == task_pb2.TASK_STATE_SUCCEEDED
    assert len(await executions_of(channel, tasks["work"])) == 1


async def test_reassign_the_task_of_an_agent_that_dies_mid_task(
        channel: grpc.aio.Channel, tenant: str) -> None:
    hang = await ExternalAgent(channel, tenant, "doomed", "executor",
                               agent_pb2.FAILURE_STRATEGY_REASSIGN,
                               lambda task, attempt: None).start()
    goal = await submit(channel, tenant, "Survive a dead agent", one_task_plan())
    work_name = f"{goal.name}/tasks/work"
    await assert_eventually(lambda: asyncio.sleep(0, work_name in hang.taken), timeout=20,
                            message="the doomed agent takes the task")
    await hang.die()
    healthy = await ExternalAgent(channel, tenant, "survivor", "executor",
                                  agent_pb2.FAILURE_STRATEGY_REASSIGN,
                                  lambda task, attempt: ("done by the survivor", "")).start()
    try:
        await until_state(channel, goal, goal_pb2.GOAL_STATE_SUCCEEDED, timeout=60)
    finally:
        await healthy.stop()

    work = (await tasks_of(channel, goal))["work"]
    first, second = await assignments_of(channel, work)
    assert first.agent.endswith("/doomed") and first.state == \
        assignment_pb2.ASSIGNMENT_STATE_REASSIGNED
    assert second.agent.endswith("/survivor") and second.state == \
        assignment_pb2.ASSIGNMENT_STATE_SUCCEEDED
    doomed = (await orchestrator(channel).GetAgent(orch_pb.GetAgentRequest(
        name=hang.name), timeout=5)).agent
    assert doomed.state == agent_pb2.AGENT_STATE_UNHEALTHY
    assert work.result == "done by the survivor"


async def test_a_critic_failure_escalates_pausing_the_goal_and_raising_an_alert(
        channel: grpc.aio.Channel, tenant: str) -> None:
    # The draft carries the goal's TODO marker, which the (offline) critic rejects.
    goal = await submit(channel, tenant, "Write the release notes: features, fixes, TODO items")

    paused = await until_state(channel, goal, goal_pb2.GOAL_STATE_PAUSED)
    assert "critique" in paused.state_reason and "CRITIC_FAILED" in paused.state_reason

    tasks = await tasks_of(channel, paused)
    assert tasks["draft"].state == task_pb2.TASK_STATE_SUCCEEDED
    assert tasks["critique"].state == task_pb2.TASK_STATE_READY  # waits for an operator
    assert tasks["summarize"].state == task_pb2.TASK_STATE_BLOCKED
    [attempt] = await executions_of(channel, tasks["critique"])
    assert "CRITIC_FAILED" in attempt.error and "TODO" in attempt.error
    [assignment] = await assignments_of(channel, tasks["critique"])
    assert assignment.state == assignment_pb2.ASSIGNMENT_STATE_ESCALATED
    alerts = obs_grpc.ObservabilityServiceStub(channel)

    async def raised() -> list[Any]:
        listed = await alerts.ListAlerts(obs_pb.ListAlertsRequest(
            parent=f"tenants/{tenant}", filter=f'labels.goal = "{goal.name}"'), timeout=5)
        return list(listed.alerts)

    [alert] = await assert_eventually(raised, timeout=10, message="an alert is raised")
    assert "critique" in alert.summary and alert.labels["task"] == tasks["critique"].name
    await asyncio.sleep(1)  # paused: nothing more starts
    assert (await tasks_of(channel, paused))["critique"].state == task_pb2.TASK_STATE_READY


async def test_the_tenants_quality_policy_for_a_role_judges_its_agents_outputs(
        channel: grpc.aio.Channel, tenant: str) -> None:
    gate = quality_grpc.QualityServiceStub(channel)
    await gate.CreatePolicy(quality_pb.CreatePolicyRequest(
        parent=f"tenants/{tenant}", policy_id="executor-output", policy=policy_pb2.Policy(
            display_name="No placeholder answers", on_failure=policy_pb2.ACTION_REJECT,
            rules=[policy_pb2.Rule(kind=policy_pb2.RULE_KIND_FORBIDDEN_PATTERNS,
                                   config='{"patterns": ["^Offline result"]}')])), timeout=10)

    goal = await submit(channel, tenant, "Judged work", one_task_plan())
    work_name = f"{goal.name}/tasks/work"

    async def rejected() -> execution_pb2.Execution | None:
        runs = await executions_of(channel, task_pb2.Task(name=work_name))
        return next((r for r in runs if r.state == execution_pb2.EXECUTION_STATE_FAILED), None)

    attempt = await assert_eventually(rejected, timeout=30, message="the gate rejects the work")
    assert "QUALITY_REJECTED" in attempt.error and "Offline result" in attempt.error
    validations = await gate.ListValidations(quality_pb.ListValidationsRequest(
        parent=f"tenants/{tenant}", filter=f'subject = "{work_name}"'), timeout=5)
    assert validations.validations[0].verdict == validation_pb2.VERDICT_FAIL
    assert validations.validations[0].policy == f"tenants/{tenant}/policies/executor-output"
    await planner(channel).CancelGoal(pb.CancelGoalRequest(name=goal.name, reason="seen"),
                                      timeout=5)


async def test_an_orchestrator_killed_mid_goal_finishes_it_after_restart_without_rerunning(
        runs: Mesh, channel: grpc.aio.Channel, tenant: str) -> None:
    [replica] = runs.replicas_of("agent-orchestrator")
    goal = await submit(channel, tenant, "Compare: Redis, NATS")

    async def researching() -> bool:
        try:
            tasks = await tasks_of(channel, goal)
        except grpc.aio.AioRpcError:
            return False  # not planned yet
        return tasks["research-1"].state == task_pb2.TASK_STATE_RUNNING

    await assert_eventually(researching, timeout=30, interval=0.05,
                            message="research is running")
    replica.process.signal(signal.SIGKILL)
    await asyncio.to_thread(replica.process.wait_gone)
    replica.process.start()

    done = await until_state(channel, goal, goal_pb2.GOAL_STATE_SUCCEEDED, timeout=90)

    async def routed_again() -> bool:
        """Envoy takes the restarted replica back once a health check passed (it may finish
        the goal before that: it talks to the planner directly)."""
        try:
            await orchestrator(channel).ListExecutions(orch_pb.ListExecutionsRequest(
                parent=f"tenants/{tenant}", page_size=1), timeout=5)
        except grpc.aio.AioRpcError as error:
            if error.code() != grpc.StatusCode.UNAVAILABLE:
                raise
            return False
        return True

    await assert_eventually(routed_again, timeout=10, interval=0.1,
                            message="Envoy routes to the restarted orchestrator")
    for task in (await tasks_of(channel, done)).values():
        attempts = await executions_of(channel, task)
        succeeded = [e for e in attempts if e.state == execution_pb2.EXECUTION_STATE_SUCCEEDED]
        assert len(succeeded) == 1, (task.name, [e.state for e in attempts])
        assert task.state == task_pb2.TASK_STATE_SUCCEEDED and task.result


async def test_a_tenant_over_budget_gets_resource_exhausted_and_is_charged_nothing(
        channel: grpc.aio.Channel) -> None:
    with pytest.raises(grpc.aio.AioRpcError) as refused:  # the plan is priced up front
        await submit(channel, CAPPED, "Spend beyond the budget", one_task_plan())
    assert refused.value.code() == grpc.StatusCode.FAILED_PRECONDITION
    assert "budget" in (refused.value.details() or "")
    assert list((await planner(channel).ListGoals(pb.ListGoalsRequest(
        parent=f"tenants/{CAPPED}"), timeout=5)).goals) == []

    goal = await submit(channel, CAPPED, "Plan beyond the budget")  # the planner agent's call
    failed = await until_state(channel, goal, goal_pb2.GOAL_STATE_FAILED, timeout=60)
    assert "BUDGET_EXHAUSTED" in failed.state_reason

    runtime = runtime_grpc.RuntimeServiceStub(channel)
    ask = runtime_pb.CompleteRequest(
        parent=f"tenants/{CAPPED}", role="executor", request_id="over-budget-1",
        messages=[completion_pb2.Message(role=completion_pb2.MESSAGE_ROLE_USER, content="hi")])
    for _ in range(2):  # a retry with the same request id is refused the same way
        with pytest.raises(grpc.aio.AioRpcError) as exhausted:
            await runtime.Complete(ask, timeout=10)
        assert exhausted.value.code() == grpc.StatusCode.RESOURCE_EXHAUSTED
    usage = await runtime.GetUsage(runtime_pb.GetUsageRequest(parent=f"tenants/{CAPPED}"),
                                   timeout=5)
    assert sum(row.usage.cost_micros for row in usage.rows) == 0
    assert sum(row.completion_count for row in usage.rows) == 0


async def test_bad_goals_get_clear_errors_naming_the_field(
        channel: grpc.aio.Channel, tenant: str) -> None:
    cases = {
        "goal.description": goal_pb2.Goal(description=""),
        "goal.description ": goal_pb2.Goal(description="x" * 20000),
    }
    for field, bad in cases.items():
        with pytest.raises(grpc.aio.AioRpcError) as raised:
            await planner(channel).CreateGoal(pb.CreateGoalRequest(
                parent=f"tenants/{tenant}", goal=bad), timeout=10)
        assert raised.value.code() == grpc.StatusCode.INVALID_ARGUMENT
        assert field.strip() in (raised.value.details() or "")
    cyclic = plan_pb2.Plan(tasks=[
        task_pb2.Task(name="a", title="A", agent_role="executor", depends_on=["b"]),
        task_pb2.Task(name="b", title="B", agent_role="executor", depends_on=["a"])],
        complexity=2)
    unknown_tool = one_task_plan(tools=("teleport",))
    for plan, where in ((cyclic, "plan.tasks"), (unknown_tool, "plan.tasks[0].tools[0]")):
        with pytest.raises(grpc.aio.AioRpcError) as raised:
            await submit(channel, tenant, "A goal with a bad plan", plan)
        assert raised.value.code() == grpc.StatusCode.INVALID_ARGUMENT
        assert where in (raised.value.details() or ""), raised.value.details()
    listed = await planner(channel).ListGoals(pb.ListGoalsRequest(parent=f"tenants/{tenant}"),
                                              timeout=5)
    assert list(listed.goals) == []  # nothing was written
