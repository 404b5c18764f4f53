"""gRPC servicer of cognition.tools.v1.ToolService: proto in, domain call, proto out."""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Protocol

import grpc

from cognition.tools.v1 import tools_service_pb2 as pb
from cognition.tools.v1 import tools_service_pb2_grpc as pb_grpc
from services.tool_runner.convert import (
    COLLECTION,
    MCP_SERVER_RESOURCE,
    MCP_SERVERS,
    RUNS,
    TOOL_FILTER,
    TOOL_RUNS,
    TOOLS,
    mcp_server_to_proto,
    tool_run_to_proto,
    tool_to_proto,
    watch_response,
)
from services.tool_runner.core.models import McpServer
from services.tool_runner.core.runs import RunRequest, ToolRuns
from services.tool_runner.core.tools import ToolService
from shared.resources import names
from shared.resources.pages import PageRequest
from shared.rpc.standard_methods import standard_methods


class McpServerRegistry(Protocol):
    """The MCP servers mounted into tenants' registries."""

    async def sync(self, tenant: str, server_id: str) -> McpServer: ...


class ToolServicer(pb_grpc.ToolServiceServicer):
    """Tools, their runs, and the MCP servers tools are mounted from."""

    CreateTool, GetTool, UpdateTool, DeleteTool = standard_methods(
        TOOLS, "_tools", "create", "get", "update", "delete")
    GetToolRun, ListToolRuns = standard_methods(TOOL_RUNS, "_runs", "get", "list")
    CreateMcpServer, GetMcpServer, ListMcpServers, DeleteMcpServer = standard_methods(
        MCP_SERVER_RESOURCE, "_mcp_servers", "create", "get", "list", "delete")

    def __init__(self, tools: ToolService, runs: ToolRuns,
                 mcp_servers: McpServerRegistry) -> None:
        self._tools = tools
        self._runs = runs
        self._mcp_servers = mcp_servers

    async def ListTools(self, request: pb.ListToolsRequest,
                        context: grpc.aio.ServicerContext) -> pb.ListToolsResponse:
        """A page of the tenant's tools; with agent_type, those that agent type may call."""
        tenant = names.parse_parent(request.parent)
        page = PageRequest.of(request.page_size, request.page_token)
        matching = TOOL_FILTER.parse(request.filter, tenant)
        found = (await self._tools.callable_by(tenant, request.agent_type, page, matching)
                 if request.agent_type else await self._tools.list(tenant, page, matching))
        return pb.ListToolsResponse(tools=[tool_to_proto(tool) for tool in found.items],
                                    next_page_token=found.next_page_token)

    async def RunTool(self, request: pb.RunToolRequest,
                      context: grpc.aio.ServicerContext) -> pb.RunToolResponse:
        """Start a run (and, with wait, see it to its end)."""
        tenant, tool_id = names.parse_name(request.name, COLLECTION)
        run = await self._runs.start(RunRequest(
            tenant=tenant, tool=tool_id, input=request.input, goal=request.goal,
            task=request.task, agent=request.agent, agent_type=request.agent_type,
            wait=request.wait))
        return pb.RunToolResponse(tool_run=tool_run_to_proto(run))

    async def CancelToolRun(self, request: pb.CancelToolRunRequest,
                            context: grpc.aio.ServicerContext) -> pb.CancelToolRunResponse:
        """Stop a queued or running run."""
        tenant, run_id = names.parse_name(request.name, RUNS)
        return pb.CancelToolRunResponse(
            tool_run=tool_run_to_proto(await self._runs.cancel(tenant, run_id)))

    async def WatchToolRun(self, request: pb.WatchToolRunRequest,
                           context: grpc.aio.ServicerContext
                           ) -> AsyncIterator[pb.WatchToolRunResponse]:
        """The run's state and output as they happen, until it ends."""
        tenant, run_id = names.parse_name(request.name, RUNS)
        async for event in self._runs.watch(tenant, run_id):
            yield watch_response(event)

    async def SyncMcpServer(self, request: pb.SyncMcpServerRequest,
                            context: grpc.aio.ServicerContext) -> pb.SyncMcpServerResponse:
        """List the server's tools again and bring the mounted ones in step."""
        tenant, server_id = names.parse_name(request.name, MCP_SERVERS)
        return pb.SyncMcpServerResponse(
            mcp_server=mcp_server_to_proto(await self._mcp_servers.sync(tenant, server_id)))
