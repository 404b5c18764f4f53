"""Conversion between the tool-runner's protobuf messages and its domain models."""

from __future__ import annotations

import datetime as dt
from typing import Any

from google.protobuf import duration_pb2

from cognition.tools.v1 import mcp_server_pb2, tool_pb2, tool_run_pb2
from cognition.tools.v1 import tools_service_pb2 as pb
from services.tool_runner.core.models import (
    McpServer,
    McpTransport,
    Tool,
    ToolRun,
    ToolRunState,
    ToolRuntime,
    ToolState,
)
from services.tool_runner.core.run_events import RunEvent
from shared.proto.fields import enum_from_proto, enum_to_proto, masked_changes, timestamp
from shared.resources import names
from shared.resources.filters import EnumValue, FilterSpec, ResourceName, Text
from shared.rpc.standard_methods import StandardResource

COLLECTION = "tools"
RUNS = "toolRuns"
MCP_SERVERS = "mcpServers"

# The fields of ListTools' filter, as its contract documents them.
TOOL_FILTER = FilterSpec(runtime=EnumValue(tool_pb2.ToolRuntime, ToolRuntime),
                         state=EnumValue(tool_pb2.ToolState, ToolState))


def _duration(value: dt.timedelta | None) -> duration_pb2.Duration | None:
    if value is None:
        return None
    duration = duration_pb2.Duration()
    duration.FromTimedelta(value)
    return duration


def tool_to_proto(tool: Tool) -> tool_pb2.Tool:
    return tool_pb2.Tool(
        name=names.format_name(tool.tenant, COLLECTION, tool.id),
        display_name=tool.display_name,
        description=tool.description,
        runtime=enum_to_proto(tool_pb2.ToolRuntime, tool.runtime),
        entrypoint=tool.entrypoint,
        input_schema=tool.input_schema,
        timeout=_duration(tool.timeout),
        allowed_hosts=tool.allowed_hosts,
        state=enum_to_proto(tool_pb2.ToolState, tool.state),
        create_time=timestamp(tool.create_time),
        update_time=timestamp(tool.update_time),
        etag=tool.etag,
        output_schema=tool.output_schema,
        required_scopes=tool.required_scopes,
        agent_types=tool.agent_types,
        idempotent=tool.idempotent,
        http_method=tool.http_method,
        mcp_server=(names.format_name(tool.tenant, MCP_SERVERS, tool.mcp_server)
                    if tool.mcp_server else ""),
    )


def runtime_from_proto(value: int) -> ToolRuntime:
    """Proto runtime to domain; protovalidate has already refused UNSPECIFIED."""
    return enum_from_proto(tool_pb2.ToolRuntime, value, ToolRuntime, ToolRuntime.PYTHON)


def timeout_from_proto(message: tool_pb2.Tool) -> dt.timedelta | None:
    """The tool's timeout; None (the server default) when unset."""
    return message.timeout.ToTimedelta() if message.HasField("timeout") else None


def new_tool(tenant: str, tool_id: str, message: tool_pb2.Tool) -> Tool:
    """The domain tool to create from a CreateTool request's tool."""
    return Tool(
        tenant=tenant,
        id=tool_id,
        display_name=message.display_name,
        description=message.description,
        runtime=runtime_from_proto(message.runtime),
        entrypoint=message.entrypoint,
        input_schema=message.input_schema,
        timeout=timeout_from_proto(message),
        allowed_hosts=list(message.allowed_hosts),
        state=ToolState.ACTIVE,
        output_schema=message.output_schema,
        required_scopes=list(message.required_scopes),
        agent_types=list(message.agent_types),
        idempotent=message.idempotent,
        http_method=message.http_method,
    )


def tool_changes(message: tool_pb2.Tool, paths: set[str]) -> dict[str, object]:
    """The domain field values an UpdateTool request sets, for the masked paths."""
    return masked_changes(paths, {
        "display_name": lambda: message.display_name,
        "description": lambda: message.description,
        "runtime": lambda: runtime_from_proto(message.runtime),
        "entrypoint": lambda: message.entrypoint,
        "input_schema": lambda: message.input_schema,
        "timeout": lambda: timeout_from_proto(message),
        "allowed_hosts": lambda: list(message.allowed_hosts),
        "output_schema": lambda: message.output_schema,
        "required_scopes": lambda: list(message.required_scopes),
        "agent_types": lambda: list(message.agent_types),
        "idempotent": lambda: message.idempotent,
        "http_method": lambda: message.http_method,
    })


TOOLS = StandardResource(pb, "Tool", "Tools", COLLECTION, to_proto=tool_to_proto,
                         from_proto=new_tool, changes=tool_changes, filter=TOOL_FILTER)


def _optional_timestamp(value: dt.datetime | None) -> Any:
    return timestamp(value) if value is not None else None


def tool_run_to_proto(run: ToolRun) -> tool_run_pb2.ToolRun:
    return tool_run_pb2.ToolRun(
        name=names.format_name(run.tenant, RUNS, run.id),
        tool=names.format_name(run.tenant, COLLECTION, run.tool),
        input=run.input,
        state=enum_to_proto(tool_run_pb2.ToolRunState, run.state),
        output=run.output,
        stderr=run.stderr,
        exit_code=run.exit_code,
        start_time=_optional_timestamp(run.start_time),
        end_time=_optional_timestamp(run.end_time),
        goal=run.goal,
        task=run.task,
        error_message=run.error_message,
        agent=run.agent,
        agent_type=run.agent_type,
        creator=run.creator,
        sandbox_layers=run.sandbox_layers,
        output_truncated=run.output_truncated,
    )


def watch_response(event: RunEvent) -> pb.WatchToolRunResponse:
    return pb.WatchToolRunResponse(tool_run=tool_run_to_proto(event.run), event_type=event.type,
                                   output_chunk=event.output_chunk,
                                   event_time=timestamp(event.time))


# The fields of ListToolRuns' filter, as its contract documents them.
TOOL_RUN_FILTER = FilterSpec(
    tool=ResourceName(COLLECTION),
    state=EnumValue(tool_run_pb2.ToolRunState, ToolRunState),
    goal=Text(), task=Text())


def mcp_server_to_proto(server: McpServer) -> mcp_server_pb2.McpServer:
    return mcp_server_pb2.McpServer(
        name=names.format_name(server.tenant, MCP_SERVERS, server.id),
        display_name=server.display_name,
        transport=enum_to_proto(mcp_server_pb2.McpTransport, server.transport),
        command=server.command,
        args=server.args,
        url=server.url,
        required_scopes=server.required_scopes,
        agent_types=server.agent_types,
        tools=[names.format_name(server.tenant, COLLECTION, tool) for tool in server.tools],
        sync_time=_optional_timestamp(server.sync_time),
        create_time=timestamp(server.create_time),
        update_time=timestamp(server.update_time),
        etag=server.etag,
    )


def new_mcp_server(tenant: str, server_id: str, message: mcp_server_pb2.McpServer) -> McpServer:
    """The domain MCP server to create from a CreateMcpServer request's server."""
    return McpServer(
        tenant=tenant, id=server_id, display_name=message.display_name,
        transport=enum_from_proto(mcp_server_pb2.McpTransport, message.transport, McpTransport,
                                  McpTransport.STDIO),
        command=message.command, args=list(message.args), url=message.url,
        required_scopes=list(message.required_scopes), agent_types=list(message.agent_types))


TOOL_RUNS = StandardResource(pb, "ToolRun", "ToolRuns", RUNS, to_proto=tool_run_to_proto,
                             filter=TOOL_RUN_FILTER)
def _mcp_server_id(value: str, field: str) -> str:
    """The caller's id, checked; empty lets the registry choose a short one (mounted tools are
    named after it)."""
    return names.choose_id(value, field) if value else ""


MCP_SERVER_RESOURCE = StandardResource(pb, "McpServer", "McpServers", MCP_SERVERS,
                                       to_proto=mcp_server_to_proto, from_proto=new_mcp_server,
                                       choose_id=_mcp_server_id)
