"""The agent-orchestrator's real server on a free port, driven over a gRPC channel."""

from __future__ import annotations

import pathlib

import grpc
import pytest
from google.protobuf import field_mask_pb2

from cognition.orchestrator.v1 import agent_pb2
from cognition.orchestrator.v1 import orchestrator_service_pb2 as pb
from cognition.orchestrator.v1 import orchestrator_service_pb2_grpc as pb_grpc
from services.agent_orchestrator.config import Settings
from services.agent_orchestrator.server import create_server


def agent_message(**fields: object) -> agent_pb2.Agent:
    values: dict[str, object] = {"display_name": "Executor", "role": "executor",
                                 "max_concurrency": 2, "capabilities": ["web.search"]}
    values.update(fields)
    return agent_pb2.Agent(**values)  # type: ignore[arg-type]


async def test_agent_crud_and_heartbeat_over_grpc(tmp_path: pathlib.Path) -> None:
    running = await create_server(Settings(port=0, mesh={"data_dir": str(tmp_path)}))
    try:
        async with grpc.aio.insecure_channel(f"127.0.0.1:{running.port}") as channel:
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

            with pytest.raises(grpc.aio.AioRpcError) as unserved:
                await stub.GetAssignment(pb.GetAssignmentRequest(
                    name="tenants/acme/assignments/x"))
            assert unserved.value.code() == grpc.StatusCode.UNIMPLEMENTED
    finally:
        await running.stop(0)
