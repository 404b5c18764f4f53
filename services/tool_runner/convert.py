"""Conversion between the tool-runner's protobuf messages and its domain models."""

from __future__ import annotations

import datetime as dt

from google.protobuf import duration_pb2

from cognition.tools.v1 import tool_pb2
from cognition.tools.v1 import tools_service_pb2 as pb
from services.tool_runner.core.models import Tool, ToolRuntime, ToolState
from shared.proto.fields import enum_from_proto, enum_to_proto, masked_changes, timestamp
from shared.resources import names
from shared.resources.filters import EnumValue, FilterSpec
from shared.rpc.standard_methods import StandardResource

COLLECTION = "tools"

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
    })


TOOLS = StandardResource(pb, "Tool", "Tools", COLLECTION, to_proto=tool_to_proto,
                         from_proto=new_tool, changes=tool_changes, filter=TOOL_FILTER)
