from __future__ import annotations

import pathlib

import grpc
import pytest
from google.protobuf import duration_pb2, field_mask_pb2

from cognition.tools.v1 import tool_pb2, tool_run_pb2
from cognition.tools.v1 import tools_service_pb2 as pb
from cognition.tools.v1 import tools_service_pb2_grpc as pb_grpc
from services.tool_runner.config import Settings
from services.tool_runner.server import create_server
from tests.helpers import mesh_channel


def _tool(**fields: object) -> tool_pb2.Tool:
    values: dict[str, object] = {
        "display_name": "Echo", "runtime": tool_pb2.TOOL_RUNTIME_SHELL, "entrypoint": "cat",
        "input_schema": '{"type": "object"}', **fields}
    return tool_pb2.Tool(**values)  # type: ignore[arg-type]


async def test_server_serves_tool_crud(tmp_path: pathlib.Path) -> None:
    running = await create_server(Settings(port=0, mesh={"data_dir": str(tmp_path)}))
    try:
        async with mesh_channel(f"127.0.0.1:{running.port}") as channel:
            stub = pb_grpc.ToolServiceStub(channel)
            created = (await stub.CreateTool(pb.CreateToolRequest(
                parent="tenants/acme", tool_id="echo",
                tool=_tool(state=tool_pb2.TOOL_STATE_DISABLED,
                           timeout=duration_pb2.Duration(seconds=5))))).tool
            assert created.name == "tenants/acme/tools/echo"
            assert created.state == tool_pb2.TOOL_STATE_ACTIVE
            assert created.timeout.seconds == 5

            got = await stub.GetTool(pb.GetToolRequest(name=created.name))
            assert got.tool == created
            listed = await stub.ListTools(pb.ListToolsRequest(parent="tenants/acme"))
            assert {t.name.rsplit("/", 1)[1] for t in listed.tools} == {
                "echo", "calculator", "execute_python", "http_request", "json_query",
                "memory_search"}

            updated = (await stub.UpdateTool(pb.UpdateToolRequest(
                tool=_tool(name=created.name, etag=created.etag, description="echoes input"),
                update_mask=field_mask_pb2.FieldMask(paths=["description", "timeout"])))).tool
            assert updated.description == "echoes input"
            assert not updated.HasField("timeout")

            with pytest.raises(grpc.aio.AioRpcError) as bad_schema:
                await stub.UpdateTool(pb.UpdateToolRequest(
                    tool=_tool(name=created.name, input_schema="[]"),
                    update_mask=field_mask_pb2.FieldMask(paths=["input_schema"])))
            assert bad_schema.value.code() == grpc.StatusCode.INVALID_ARGUMENT

            with pytest.raises(grpc.aio.AioRpcError) as bad:
                await stub.CreateTool(pb.CreateToolRequest(
                    parent="tenants/acme", tool=_tool(display_name="")))
            assert bad.value.code() == grpc.StatusCode.INVALID_ARGUMENT

            run = (await stub.RunTool(pb.RunToolRequest(name=created.name, input='{"a": 1}',
                                                         wait=True))).tool_run
            assert run.state == tool_run_pb2.TOOL_RUN_STATE_SUCCEEDED, run.error_message
            assert run.output == '{"a": 1}' and "bwrap" in run.sandbox_layers

            await stub.DeleteTool(pb.DeleteToolRequest(name=created.name))
            with pytest.raises(grpc.aio.AioRpcError) as gone:
                await stub.GetTool(pb.GetToolRequest(name=created.name))
            assert gone.value.code() == grpc.StatusCode.NOT_FOUND
    finally:
        await running.stop(0)


async def test_runs_through_grpc_stream_and_refuse_bad_input(tmp_path: pathlib.Path) -> None:
    running = await create_server(Settings(port=0, mesh={"data_dir": str(tmp_path)}))
    try:
        async with mesh_channel(f"127.0.0.1:{running.port}") as channel:
            stub = pb_grpc.ToolServiceStub(channel)
            python = "tenants/acme/tools/execute_python"
            started = (await stub.RunTool(pb.RunToolRequest(
                name=python, input='{"code": "import time\\nprint(1, flush=True)\\n'
                                   'time.sleep(0.3)\\nprint(2)"}'))).tool_run
            events = [e async for e in stub.WatchToolRun(
                pb.WatchToolRunRequest(name=started.name))]
            assert events[-1].event_type == "tool_run.ended"
            assert events[-1].tool_run.output == "1\n2\n", events[-1].tool_run
            listed = await stub.ListToolRuns(pb.ListToolRunsRequest(
                parent="tenants/acme", filter=f'tool = "{python}"'))
            assert [r.name for r in listed.tool_runs] == [started.name]

            with pytest.raises(grpc.aio.AioRpcError) as bad:
                await stub.RunTool(pb.RunToolRequest(name=python, input='{"code": 5}'))
            assert bad.value.code() == grpc.StatusCode.INVALID_ARGUMENT
            assert "$.code" in (bad.value.details() or "")

            with pytest.raises(grpc.aio.AioRpcError) as gone:
                await stub.DeleteTool(pb.DeleteToolRequest(name=python))
            assert gone.value.code() == grpc.StatusCode.FAILED_PRECONDITION
            by_agent = await stub.ListTools(pb.ListToolsRequest(parent="tenants/acme",
                                                                agent_type="executor"))
            assert "tenants/acme/tools/execute_python" in [t.name for t in by_agent.tools]
    finally:
        await running.stop(0)
