"""Goals on the production storage: every service on PostgreSQL and two orchestrator
replicas sharing the work (one live assignment per task, claims with SKIP LOCKED)."""

from __future__ import annotations

import pathlib
from collections.abc import AsyncIterator

import grpc
import pytest

from cognition.orchestrator.v1 import execution_pb2
from cognition.orchestrator.v1 import orchestrator_service_pb2 as orch_pb
from cognition.orchestrator.v1 import orchestrator_service_pb2_grpc as orch_grpc
from cognition.planner.v1 import goal_pb2, plan_pb2, task_pb2
from cognition.planner.v1 import planner_service_pb2 as pb
from cognition.planner.v1 import planner_service_pb2_grpc as pb_grpc
from cognos.credentials import bearer_credentials, ensure_tenant, issue_token, read_secret
from cognos.mesh.supervisor import Mesh, MeshLayout
from shared.database.admin import drop_schemas
from shared.mesh.registry import SERVICES
from tests.helpers import assert_eventually

TENANT = "pg-runs"
pytestmark = [pytest.mark.postgres, pytest.mark.timeout(240)]


@pytest.fixture(scope="module")
async def pg_mesh(postgres_url: str, tmp_path_factory: pytest.TempPathFactory
                  ) -> AsyncIterator[Mesh]:
    schemas = [spec.package for spec in SERVICES]
    await drop_schemas(postgres_url, *schemas)
    mesh = Mesh(MeshLayout.ephemeral(
        pathlib.Path(tmp_path_factory.mktemp("pg-runs")),
        replicas={"agent-orchestrator": 2},
        env={"COGNOS_DATABASE_URL": postgres_url,
             "COGNOS_AI_RUNTIME_OFFLINE_LATENCY_MS": "500",
             # One replica alone would need four rounds of two parts (over 2 s); the other
             # waits for the planner at start-up (no failed rounds, no open circuit) and
             # takes its share from the first round.
             "COGNOS_AGENT_ORCHESTRATOR_BUILTIN_AGENT_CONCURRENCY": "2"}))
    try:
        await mesh.start(timeout=120)
        yield mesh
    finally:
        await mesh.stop()
        await drop_schemas(postgres_url, *schemas)


async def test_two_orchestrators_share_a_goal_on_postgres_without_running_a_task_twice(
        pg_mesh: Mesh) -> None:
    secret = read_secret(pg_mesh.layout.bootstrap_key_file)
    await ensure_tenant(pg_mesh.envoy_address, await issue_token(pg_mesh.envoy_address, secret),
                        TENANT)
    token = await issue_token(pg_mesh.envoy_address, secret, tenant=TENANT)

    async def bearer(_request: object) -> str:
        return token

    tasks = [task_pb2.Task(name=f"part-{i}", title=f"Part {i}", instructions=f"Write part {i}",
                           agent_role="executor", critical=True) for i in range(8)]
    tasks.append(task_pb2.Task(name="join", title="Join", instructions="Join the parts",
                               agent_role="summarizer", critical=True,
                               depends_on=[t.name for t in tasks]))
    async with grpc.aio.insecure_channel(pg_mesh.envoy_address,
                                         interceptors=bearer_credentials(bearer)) as channel:
        planner = pb_grpc.PlannerServiceStub(channel)
        goal = (await planner.CreateGoal(pb.CreateGoalRequest(
            parent=f"tenants/{TENANT}", goal=goal_pb2.Goal(description="Write eight parts"),
            plan=plan_pb2.Plan(tasks=tasks, complexity=3)), timeout=10)).goal

        async def succeeded() -> bool:
            got = (await planner.GetGoal(pb.GetGoalRequest(name=goal.name), timeout=5)).goal
            assert got.state not in (goal_pb2.GOAL_STATE_FAILED, goal_pb2.GOAL_STATE_PAUSED)
            return got.state == goal_pb2.GOAL_STATE_SUCCEEDED

        await assert_eventually(succeeded, timeout=90, interval=0.2,
                                message="the goal succeeds on PostgreSQL")
        listed = await orch_grpc.OrchestratorServiceStub(channel).ListExecutions(
            orch_pb.ListExecutionsRequest(parent=f"tenants/{TENANT}", page_size=100),
            timeout=5)
    by_task: dict[str, list[execution_pb2.Execution]] = {}
    for execution in listed.executions:
        by_task.setdefault(execution.task.rsplit("/", 1)[-1], []).append(execution)
    assert set(by_task) == {t.name for t in tasks}
    for task_id, runs in by_task.items():
        assert [r.state for r in runs] == [execution_pb2.EXECUTION_STATE_SUCCEEDED], task_id
    hosts = {r.agent.rsplit("-", 1)[-1] for runs in by_task.values() for r in runs}
    assert len(hosts) == 2  # both replicas' built-in agents took work
