"""The agent-orchestrator's real server on a free port, driven over a gRPC channel."""

from __future__ import annotations

import pathlib

import grpc
import pytest
from google.protobuf import field_mask_pb2

from cognition.orchestrator.v1 import agent_pb2, assignment_pb2, execution_pb2
from cognition.orchestrator.v1 import orchestrator_service_pb2 as pb
from cognition.orchestrator.v1 import orchestrator_service_pb2_grpc as pb_grpc
from services.agent_orchestrator.config import SPEC, Settings
from services.agent_orchestrator.core.scheduler import Scheduler
from services.agent_orchestrator.repository import AssignmentStore, agent_repository
from services.agent_orchestrator.server import create_server
from shared.database import DatabaseConnection
from shared.errors import InvalidArgument
from shared.rpc.status import from_rpc_error
from tests.helpers import mesh_channel
from tests.unit.agent_orchestrator.scheduling import task


def agent_message(**fields: object) -> agent_pb2.Agent:
    values: dict[str, object] = {"display_name": "Executor", "role": "executor",
                                 "max_concurrency": 2, "capabilities": ["web.search"]}
    values.update(fields)
    return agent_pb2.Agent(**values)  # type: ignore[arg-type]


async def test_agent_crud_and_heartbeat_over_grpc(tmp_path: pathlib.Path) -> None:
    running = await create_server(Settings(port=0, mesh={"data_dir": str(tmp_path)}))
    try:
        async with mesh_channel(f"127.0.0.1:{running.port}") as channel:
            stub = pb_grpc.OrchestratorServiceStub(channel)

            created = (await stub.CreateAgent(pb.CreateAgentRequest(
                parent="tenants/acme", agent_id="exec-1",
                agent=agent_message(state=agent_pb2.AGENT_STATE_OFFLINE)))).agent
            assert created.name == "tenants/acme/agents/exec-1"
            assert created.state == agent_pb2.AGENT_STATE_HEALTHY
            assert created.last_heartbeat_time == created.create_time
            assert created.assignment_strategy == agent_pb2.ASSIGNMENT_STRATEGY_ROUND_ROBIN

            got = (await stub.GetAgent(pb.GetAgentRequest(name=created.name))).agent
            assert got == created

            listed = await stub.ListAgents(pb.ListAgentsRequest(parent="tenants/acme"))
            assert [a.name for a in listed.agents] == [created.name]

            updated = (await stub.UpdateAgent(pb.UpdateAgentRequest(
                agent=agent_message(name=created.name, role="critic", max_concurrency=9,
                                    etag=created.etag),
                update_mask=field_mask_pb2.FieldMask(paths=["role"])))).agent
            assert (updated.role, updated.max_concurrency) == ("critic", 2)

            beat = (await stub.HeartbeatAgent(pb.HeartbeatAgentRequest(
                name=created.name, active_assignments=1))).agent
            assert beat.active_assignments == 1
            assert beat.last_heartbeat_time.ToDatetime() > created.last_heartbeat_time.ToDatetime()

            await stub.DeleteAgent(pb.DeleteAgentRequest(name=created.name))
            with pytest.raises(grpc.aio.AioRpcError) as missing:
                await stub.GetAgent(pb.GetAgentRequest(name=created.name))
            assert missing.value.code() == grpc.StatusCode.NOT_FOUND

            with pytest.raises(grpc.aio.AioRpcError) as bad:
                await stub.CreateAgent(pb.CreateAgentRequest(
                    parent="tenants/acme", agent=agent_message(max_concurrency=0)))
            assert bad.value.code() == grpc.StatusCode.INVALID_ARGUMENT

            with pytest.raises(grpc.aio.AioRpcError) as unknown:
                await stub.GetAssignment(pb.GetAssignmentRequest(
                    name="tenants/acme/assignments/x"))
            assert unknown.value.code() == grpc.StatusCode.NOT_FOUND
    finally:
        await running.stop(0)


async def test_assignment_and_execution_rpcs(tmp_path: pathlib.Path) -> None:
    settings = Settings(port=0, mesh={"data_dir": str(tmp_path)}, supervise_interval_seconds=0)
    running = await create_server(settings)
    db = DatabaseConnection(settings.resolved_database_url(SPEC))
    try:
        async with mesh_channel(f"127.0.0.1:{running.port}") as channel:
            stub = pb_grpc.OrchestratorServiceStub(channel)
            agent = (await stub.CreateAgent(pb.CreateAgentRequest(
                parent="tenants/acme", agent_id="exec-1", agent=agent_message()))).agent
            # Ready tasks arrive from the planner once wired; here they are handed over directly.
            started = (await Scheduler(AssignmentStore(db), agent_repository(db)).schedule(
                [task("t1"), task("t2")])).started
            (first, first_run), (second, second_run) = started

            got = (await stub.GetAssignment(pb.GetAssignmentRequest(
                name=f"tenants/acme/assignments/{first.id}"))).assignment
            assert got.task == "tenants/acme/goals/g1/tasks/t1"
            assert got.agent == agent.name
            assert got.goal == "tenants/acme/goals/g1"
            assert (got.state, got.attempt) == (assignment_pb2.ASSIGNMENT_STATE_RUNNING, 1)
            assert got.HasField("lease_expire_time")

            listed = await stub.ListAssignments(pb.ListAssignmentsRequest(
                parent="tenants/acme", task="tenants/acme/goals/g1/tasks/t2"))
            assert [a.name for a in listed.assignments] == [
                f"tenants/acme/assignments/{second.id}"]
            by_agent = await stub.ListAssignments(pb.ListAssignmentsRequest(
                parent="tenants/acme", filter=f'agent = "{agent.name}" AND '
                                              "state = ASSIGNMENT_STATE_RUNNING"))
            assert len(by_agent.assignments) == 2
            with pytest.raises(grpc.aio.AioRpcError) as bad_filter:
                await stub.ListAssignments(pb.ListAssignmentsRequest(
                    parent="tenants/acme", filter="colour = red"))
            assert bad_filter.value.code() == grpc.StatusCode.INVALID_ARGUMENT

            name = f"tenants/acme/executions/{first_run.id}"
            watch = stub.WatchExecution(pb.WatchExecutionRequest(name=name))
            first_event = await watch.read()
            assert first_event.event_type == "execution.running"

            done = await stub.CompleteExecution(pb.CompleteExecutionRequest(
                name=name, output="42"))
            assert done.execution.state == execution_pb2.EXECUTION_STATE_SUCCEEDED
            assert done.execution.output == "42"
            assert done.assignment.state == assignment_pb2.ASSIGNMENT_STATE_SUCCEEDED
            assert not done.HasField("replacement")
            assert not done.pause_goal
            last_event = await watch.read()
            assert last_event.event_type == "execution.succeeded"
            assert await watch.read() == grpc.aio.EOF

            with pytest.raises(grpc.aio.AioRpcError) as twice:
                await stub.CompleteExecution(pb.CompleteExecutionRequest(name=name, output="x"))
            assert twice.value.code() == grpc.StatusCode.FAILED_PRECONDITION

            retried = pb.CompleteExecutionRequest(
                name=f"tenants/acme/executions/{second_run.id}", error="tool timed out",
                request_id="complete-1")
            failed = await stub.CompleteExecution(retried)
            assert failed.execution.state == execution_pb2.EXECUTION_STATE_FAILED
            assert failed.execution.error == "tool timed out"
            assert failed.assignment.state == assignment_pb2.ASSIGNMENT_STATE_PENDING
            assert failed.assignment.HasField("next_attempt_time")
            assert await stub.CompleteExecution(retried) == failed  # replayed, not re-run

            got_run = (await stub.GetExecution(pb.GetExecutionRequest(name=name))).execution
            assert got_run == done.execution
            assert got_run.assignment == f"tenants/acme/assignments/{first.id}"
            runs = await stub.ListExecutions(pb.ListExecutionsRequest(
                parent="tenants/acme", agent=agent.name, page_size=1))
            assert len(runs.executions) == 1 and runs.next_page_token
            of_task = await stub.ListExecutions(pb.ListExecutionsRequest(
                parent="tenants/acme", task="tenants/acme/goals/g1/tasks/t1"))
            assert [e.name for e in of_task.executions] == [name]
            with pytest.raises(grpc.aio.AioRpcError) as other_tenant:
                await stub.ListExecutions(pb.ListExecutionsRequest(
                    parent="tenants/acme", agent="tenants/other/agents/exec-1"))
            assert other_tenant.value.code() == grpc.StatusCode.INVALID_ARGUMENT
            with pytest.raises(grpc.aio.AioRpcError) as missing:
                await stub.GetExecution(pb.GetExecutionRequest(
                    name="tenants/acme/executions/nope"))
            assert missing.value.code() == grpc.StatusCode.NOT_FOUND
    finally:
        await db.dispose()
        await running.stop(0)


async def test_built_in_agent_ids_are_reserved(tmp_path: pathlib.Path) -> None:
    running = await create_server(Settings(port=0, mesh={"data_dir": str(tmp_path)},
                                           dispatch_interval_seconds=0))
    try:
        async with mesh_channel(f"127.0.0.1:{running.port}") as channel:
            stub = pb_grpc.OrchestratorServiceStub(channel)
            with pytest.raises(grpc.aio.AioRpcError) as refused:
                await stub.CreateAgent(pb.CreateAgentRequest(
                    parent="tenants/acme", agent_id="builtin-executor-x",
                    agent=agent_message()))
            assert refused.value.code() == grpc.StatusCode.INVALID_ARGUMENT
            error = from_rpc_error(refused.value)
            assert isinstance(error, InvalidArgument)
            assert [v.field for v in error.violations] == ["agent_id"]
            listed = await stub.ListAgents(pb.ListAgentsRequest(parent="tenants/acme"))
            assert list(listed.agents) == []
    finally:
        await running.stop(0)
