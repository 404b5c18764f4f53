from __future__ import annotations

import asyncio
import pathlib
import time

import grpc
import pytest
from google.protobuf import field_mask_pb2
from grpc_health.v1 import health_pb2, health_pb2_grpc

from cognition.workflow.v1 import workflow_pb2
from cognition.workflow.v1 import workflow_service_pb2 as pb
from cognition.workflow.v1 import workflow_service_pb2_grpc as pb_grpc
from services.workflow_engine.config import Settings
from services.workflow_engine.server import create_server
from tests.helpers import mesh_channel

V1 = "steps:\n  - run: fetch\n"
# Far below what parsing a definition at the size limit takes (seconds).
HELD = 2.0  # seconds
V2 = "steps:\n  - run: fetch\n  - run: summarise\n"


async def test_server_serves_workflow_crud_and_revisions(tmp_path: pathlib.Path) -> None:
    running = await create_server(Settings(port=0, mesh={"data_dir": str(tmp_path)}))
    try:
        async with mesh_channel(f"127.0.0.1:{running.port}") as channel:
            stub = pb_grpc.WorkflowServiceStub(channel)
            created = (await stub.CreateWorkflow(pb.CreateWorkflowRequest(
                parent="tenants/acme", workflow_id="daily",
                workflow=workflow_pb2.Workflow(display_name="Daily", definition_yaml=V1,
                                               version=42)))).workflow
            assert created.name == "tenants/acme/workflows/daily"
            assert (created.version, created.state) == (1, workflow_pb2.WORKFLOW_STATE_ACTIVE)

            got = await stub.GetWorkflow(pb.GetWorkflowRequest(name=created.name))
            assert got.workflow == created
            listed = await stub.ListWorkflows(pb.ListWorkflowsRequest(parent="tenants/acme"))
            assert [w.name for w in listed.workflows] == [created.name]

            updated = (await stub.UpdateWorkflow(pb.UpdateWorkflowRequest(
                workflow=workflow_pb2.Workflow(name=created.name, display_name="Daily",
                                               definition_yaml=V2, etag=created.etag),
                update_mask=field_mask_pb2.FieldMask(paths=["definition_yaml"])))).workflow
            assert updated.version == 2
            revisions = await stub.ListWorkflowRevisions(pb.ListWorkflowRevisionsRequest(
                name=created.name))
            assert [(w.version, w.definition_yaml) for w in revisions.workflows] == [
                (2, V2), (1, V1)]

            with pytest.raises(grpc.aio.AioRpcError) as bad_yaml:
                await stub.UpdateWorkflow(pb.UpdateWorkflowRequest(
                    workflow=workflow_pb2.Workflow(name=created.name, display_name="Daily",
                                                   definition_yaml="steps: [fetch"),
                    update_mask=field_mask_pb2.FieldMask(paths=["definition_yaml"])))
            assert bad_yaml.value.code() == grpc.StatusCode.INVALID_ARGUMENT
            assert "line" in (bad_yaml.value.details() or "")

            with pytest.raises(grpc.aio.AioRpcError) as bad:
                await stub.CreateWorkflow(pb.CreateWorkflowRequest(
                    parent="tenants/acme",
                    workflow=workflow_pb2.Workflow(display_name="No steps")))
            assert bad.value.code() == grpc.StatusCode.INVALID_ARGUMENT

            with pytest.raises(grpc.aio.AioRpcError) as run:
                await stub.RunWorkflow(pb.RunWorkflowRequest(name=created.name))
            assert run.value.code() == grpc.StatusCode.UNIMPLEMENTED

            await stub.DeleteWorkflow(pb.DeleteWorkflowRequest(name=created.name))
            with pytest.raises(grpc.aio.AioRpcError) as gone:
                await stub.ListWorkflowRevisions(pb.ListWorkflowRevisionsRequest(
                    name=created.name))
            assert gone.value.code() == grpc.StatusCode.NOT_FOUND
    finally:
        await running.stop(0)


async def test_health_answers_while_a_definition_at_the_size_limit_parses(
        tmp_path: pathlib.Path) -> None:
    """Parsing YAML takes seconds at the size limit; on the event loop it held every call,
    health checks included, that long (found by tests/fuzz)."""
    definition = "steps:\n" + "  - run: x\n" * 23_800  # just under 262144 characters
    running = await create_server(Settings(port=0, mesh={"data_dir": str(tmp_path)}))
    try:
        async with mesh_channel(f"127.0.0.1:{running.port}") as channel:
            create = asyncio.ensure_future(pb_grpc.WorkflowServiceStub(channel).CreateWorkflow(
                pb.CreateWorkflowRequest(parent="tenants/acme", workflow=workflow_pb2.Workflow(
                    display_name="Long", definition_yaml=definition)), timeout=120))
            health = health_pb2_grpc.HealthStub(channel)
            latencies = []
            while not create.done():
                started = time.perf_counter()
                reply = await health.Check(health_pb2.HealthCheckRequest(), timeout=30)
                latencies.append(time.perf_counter() - started)
                assert reply.status == health_pb2.HealthCheckResponse.SERVING
            assert (await create).workflow.version == 1
    finally:
        await running.stop(0)
    assert len(latencies) >= 10  # the probes overlapped the parse
    assert max(latencies) < HELD, f"a health check waited {max(latencies):.1f} s"
