"""The agent pipeline's tool box as a client of the tool-runner: the tools an agent type may
call (ListTools for the agent type) and runs of them (RunTool, waiting for the end)."""

from __future__ import annotations

import time

from cognition.tools.v1 import tool_run_pb2, tools_service_pb2
from shared.agents.pipeline import ToolRunRecord, ToolSpec, ToolUse
from shared.errors import (
    CognitionError,
    FailedPrecondition,
    InvalidArgument,
    NotFound,
    PermissionDenied,
)
from shared.mesh.client import ServiceClient
from shared.mesh.methods import Unary

LIST_TOOLS = Unary.of(tools_service_pb2.ListToolsRequest, tools_service_pb2.ListToolsResponse)
RUN_TOOL = Unary.of(tools_service_pb2.RunToolRequest, tools_service_pb2.RunToolResponse)
# A run may take up to the longest tool timeout the contract allows.
RUN_DEADLINE = 660.0
# Tools offered to a model at most (function calling APIs take 128).
MAX_OFFERED = 128
# Refusals the model may correct by calling differently, rather than failures of the mesh.
_REFUSALS = (InvalidArgument, NotFound, PermissionDenied, FailedPrecondition)


class MeshToolBox:
    """Tools from the tool-runner, as offered to and called by one agent type.

    Args:
        client: A client of the tool-runner.
        refresh_after: Seconds a tenant's list of offered tools is reused.
    """

    def __init__(self, client: ServiceClient, refresh_after: float = 10.0) -> None:
        self._client = client
        self._refresh_after = refresh_after
        self._offered: dict[tuple[str, str], tuple[float, list[ToolSpec]]] = {}

    async def offered(self, tenant: str, agent_type: str) -> list[ToolSpec]:
        key = (tenant, agent_type)
        cached = self._offered.get(key)
        if cached is not None and time.monotonic() < cached[0]:
            return cached[1]
        response = await self._client.call(LIST_TOOLS, tools_service_pb2.ListToolsRequest(
            parent=f"tenants/{tenant}", agent_type=agent_type, page_size=MAX_OFFERED))
        specs = [ToolSpec(tool.name.rsplit("/", 1)[-1], tool.description,
                          tool.input_schema or '{"type": "object"}')
                 for tool in response.tools][:MAX_OFFERED]
        self._offered[key] = (time.monotonic() + self._refresh_after, specs)
        return specs

    async def run(self, tenant: str, call: ToolUse, *, agent_type: str, agent: str,
                  task: str) -> ToolRunRecord:
        goal = "/".join(task.split("/")[:4]) if task.count("/") >= 5 else ""
        try:
            response = await self._client.call(RUN_TOOL, tools_service_pb2.RunToolRequest(
                name=f"tenants/{tenant}/tools/{call.name}", input=call.arguments or "{}",
                wait=True, agent_type=agent_type, agent=agent, task=task, goal=goal,
                request_id=f"{task}#{call.id}"[-128:]), timeout=RUN_DEADLINE)
        except _REFUSALS as refusal:
            return ToolRunRecord(call.name, "", "REFUSED", _refusal_text(refusal))
        run = response.tool_run
        state = tool_run_pb2.ToolRunState.Name(run.state).removeprefix("TOOL_RUN_STATE_")
        output = run.output if state == "SUCCEEDED" else (
            f"{run.error_message}\n{run.stderr}".strip() or f"exit code {run.exit_code}")
        return ToolRunRecord(call.name, run.name, state, output)


def _refusal_text(error: CognitionError) -> str:
    details = "; ".join(f"{v.field}: {v.description}" for v in
                        getattr(error, "violations", ()))
    return f"{error.reason}: {error.message}" + (f" ({details})" if details else "")
