"""Agents use tools through the real mesh: the executor's model (a local server speaking
OpenAI's wire format, scripted like a model that calls tools) runs `execute_python` in the
sandbox and a tool of a mounted stdio MCP server, and the quality gate sends a first answer
that claims a tool it never ran back for repair before it accepts the second."""

from __future__ import annotations

import json
import pathlib
from collections.abc import AsyncIterator
from typing import Any

import pytest

from cognition.audit.v1 import audit_service_pb2 as audit_pb
from cognition.audit.v1 import audit_service_pb2_grpc as audit_grpc
from cognition.planner.v1 import goal_pb2, plan_pb2, task_pb2
from cognition.quality.v1 import policy_pb2
from cognition.quality.v1 import quality_service_pb2 as quality_pb
from cognition.quality.v1 import quality_service_pb2_grpc as quality_grpc
from cognition.tools.v1 import mcp_server_pb2, tool_run_pb2
from cognition.tools.v1 import tools_service_pb2 as tools_pb
from cognition.tools.v1 import tools_service_pb2_grpc as tools_grpc
from cognos.mesh.supervisor import Mesh, MeshLayout
from tests.helpers import sandbox_readable
from tests.integration.conftest import signed_channel
from tests.integration.test_goal_runs import submit, tasks_of, until_state
from tests.unit.ai_runtime.wire_servers import (
    Reply,
    WireServer,
    openai_completion,
    openai_tool_calls,
)

pytestmark = pytest.mark.timeout(240)

# The MCP server, where the sandbox's unprivileged uids can read it.
ECHO = sandbox_readable(pathlib.Path(__file__).resolve().parents[1] / "mcp_servers"
                        / "echo_server.py")
FIBONACCI = "a, b = 0, 1\nfor _ in range(30):\n    a, b = b, a + b\nprint(a)\n"


def model(path: str, body: dict[str, Any]) -> Reply:
    """A model that computes with tools: it calls the tool the task needs, then answers
    from the tool's output; its first answer claims a check it did not run, and it fixes
    that when the quality gate's feedback comes back."""
    messages = body["messages"]
    offered = {tool["function"]["name"] for tool in body.get("tools", ())}
    results = [m["content"] for m in messages if m["role"] == "tool"]
    task = " ".join(m["content"] for m in messages if m["role"] == "system")
    if not results:
        if "Fibonacci" in task and "execute_python" in offered:
            call = ("call-fib", "execute_python", json.dumps({"code": FIBONACCI}))
        else:
            shout = next(name for name in offered if name.endswith("__shout"))
            call = ("call-shout", shout, json.dumps({"text": "tools work"}))
        return Reply(body=openai_tool_calls([call]))
    value = results[-1].strip()
    repaired = any(m["role"] == "user" and "quality gate" in m["content"] for m in messages)
    if "Fibonacci" in task and not repaired:
        answer = f"The 30th Fibonacci number is {value}; I double-checked it with http_request."
    else:
        answer = f"The result is {value}, computed with the tool."
    return Reply(body=openai_completion(json.dumps({"result": answer})))


@pytest.fixture(scope="module")
async def tooled(tmp_path_factory: pytest.TempPathFactory) -> AsyncIterator[Mesh]:
    """Every service and Envoy; the executor's model is the scripted one."""
    async with WireServer(model) as server:
        var = pathlib.Path(tmp_path_factory.mktemp("tooled"))
        mesh = Mesh(MeshLayout.ephemeral(var, env={
            "COGNOS_AI_RUNTIME_ROUTES": '{"executor": ["openai"]}',
            "COGNOS_AI_RUNTIME_OPENAI_BASE_URL": f"{server.url}/v1",
            "COGNOS_AI_RUNTIME_OPENAI_API_KEY": "test-key",
            "COGNOS_TOOL_RUNNER_MCP_STDIO_PATHS": json.dumps([str(ECHO.parent)])}))
        await mesh.start(timeout=90)
        try:
            yield mesh
        finally:
            await mesh.stop()


def one_task(title: str, instructions: str) -> plan_pb2.Plan:
    return plan_pb2.Plan(tasks=[task_pb2.Task(
        name="work", title=title, instructions=instructions, agent_role="executor",
        critical=True)], complexity=1)


async def test_the_executor_computes_with_python_and_repairs_what_the_gate_sends_back(
        tooled: Mesh, tenant: str) -> None:
    async with signed_channel(tooled) as channel:
        goal = await submit(channel, tenant, "Compute the 30th Fibonacci number and explain",
                            one_task("Compute the 30th Fibonacci number",
                                     "Compute the 30th Fibonacci number and explain it"))
        await until_state(channel, goal, goal_pb2.GOAL_STATE_SUCCEEDED)
        task = (await tasks_of(channel, goal))["work"]
        runs = (await tools_grpc.ToolServiceStub(channel).ListToolRuns(
            tools_pb.ListToolRunsRequest(parent=f"tenants/{tenant}",
                                         filter=f'task = "{task.name}"'), timeout=10)).tool_runs
        validations = (await quality_grpc.QualityServiceStub(channel).ListValidations(
            quality_pb.ListValidationsRequest(parent=f"tenants/{tenant}",
                                              filter=f'subject = "{task.name}"'),
            timeout=10)).validations
        audited = (await audit_grpc.AuditServiceStub(channel).ListAuditEntries(
            audit_pb.ListAuditEntriesRequest(parent=f"tenants/{tenant}",
                                             filter='action = "tools.run_tool"'),
            timeout=10)).audit_entries

    assert [r.tool.rsplit("/", 1)[1] for r in runs] == ["execute_python"]
    assert runs[0].state == tool_run_pb2.TOOL_RUN_STATE_SUCCEEDED
    assert runs[0].output == "832040\n" and runs[0].agent_type == "executor"
    assert "bwrap" in runs[0].sandbox_layers or "unshare" in runs[0].sandbox_layers
    assert task.result == "The result is 832040, computed with the tool."
    judged = sorted(validations, key=lambda v: v.round)
    assert [v.action for v in judged] == [policy_pb2.ACTION_REPAIR, policy_pb2.ACTION_ACCEPT]
    assert any("http_request" in reason for reason in judged[0].reasons)
    assert [(e.resource, e.on_behalf_of) for e in audited] == [(runs[0].name, runs[0].agent)]


async def test_an_agent_calls_a_tool_of_a_mounted_stdio_mcp_server(
        tooled: Mesh, tenant: str) -> None:
    async with signed_channel(tooled) as channel:
        tools = tools_grpc.ToolServiceStub(channel)
        server = (await tools.CreateMcpServer(tools_pb.CreateMcpServerRequest(
            parent=f"tenants/{tenant}", mcp_server_id="echo",
            mcp_server=mcp_server_pb2.McpServer(
                display_name="Echo", transport=mcp_server_pb2.MCP_TRANSPORT_STDIO,
                command="/usr/bin/python3", args=[str(ECHO)])),
            timeout=60)).mcp_server
        assert f"tenants/{tenant}/tools/echo__shout" in server.tools
        goal = await submit(channel, tenant, "Shout a greeting",
                            one_task("Shout", "Shout that tools work"))
        await until_state(channel, goal, goal_pb2.GOAL_STATE_SUCCEEDED)
        task = (await tasks_of(channel, goal))["work"]
        runs = (await tools.ListToolRuns(tools_pb.ListToolRunsRequest(
            parent=f"tenants/{tenant}", filter=f'task = "{task.name}"'), timeout=10)).tool_runs

    assert [r.tool for r in runs] == [f"tenants/{tenant}/tools/echo__shout"]
    assert runs[0].state == tool_run_pb2.TOOL_RUN_STATE_SUCCEEDED
    assert task.result == "The result is TOOLS WORK, computed with the tool."
