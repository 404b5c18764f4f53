import datetime

from buf.validate import validate_pb2 as _validate_pb2
from cognition.options.v1 import access_pb2 as _access_pb2
from cognition.tools.v1 import mcp_server_pb2 as _mcp_server_pb2
from cognition.tools.v1 import tool_pb2 as _tool_pb2
from cognition.tools.v1 import tool_run_pb2 as _tool_run_pb2
from google.api import annotations_pb2 as _annotations_pb2
from google.api import client_pb2 as _client_pb2
from google.api import field_behavior_pb2 as _field_behavior_pb2
from google.protobuf import field_mask_pb2 as _field_mask_pb2
from google.protobuf import timestamp_pb2 as _timestamp_pb2
from google.protobuf.internal import containers as _containers
from google.protobuf import descriptor as _descriptor
from google.protobuf import message as _message
from collections.abc import Iterable as _Iterable, Mapping as _Mapping
from typing import ClassVar as _ClassVar, Optional as _Optional, Union as _Union

DESCRIPTOR: _descriptor.FileDescriptor

class CreateToolRequest(_message.Message):
    __slots__ = ("parent", "tool", "tool_id", "request_id")
    PARENT_FIELD_NUMBER: _ClassVar[int]
    TOOL_FIELD_NUMBER: _ClassVar[int]
    TOOL_ID_FIELD_NUMBER: _ClassVar[int]
    REQUEST_ID_FIELD_NUMBER: _ClassVar[int]
    parent: str
    tool: _tool_pb2.Tool
    tool_id: str
    request_id: str
    def __init__(self, parent: _Optional[str] = ..., tool: _Optional[_Union[_tool_pb2.Tool, _Mapping]] = ..., tool_id: _Optional[str] = ..., request_id: _Optional[str] = ...) -> None: ...

class CreateToolResponse(_message.Message):
    __slots__ = ("tool",)
    TOOL_FIELD_NUMBER: _ClassVar[int]
    tool: _tool_pb2.Tool
    def __init__(self, tool: _Optional[_Union[_tool_pb2.Tool, _Mapping]] = ...) -> None: ...

class GetToolRequest(_message.Message):
    __slots__ = ("name",)
    NAME_FIELD_NUMBER: _ClassVar[int]
    name: str
    def __init__(self, name: _Optional[str] = ...) -> None: ...

class GetToolResponse(_message.Message):
    __slots__ = ("tool",)
    TOOL_FIELD_NUMBER: _ClassVar[int]
    tool: _tool_pb2.Tool
    def __init__(self, tool: _Optional[_Union[_tool_pb2.Tool, _Mapping]] = ...) -> None: ...

class ListToolsRequest(_message.Message):
    __slots__ = ("parent", "page_size", "page_token", "filter", "agent_type")
    PARENT_FIELD_NUMBER: _ClassVar[int]
    PAGE_SIZE_FIELD_NUMBER: _ClassVar[int]
    PAGE_TOKEN_FIELD_NUMBER: _ClassVar[int]
    FILTER_FIELD_NUMBER: _ClassVar[int]
    AGENT_TYPE_FIELD_NUMBER: _ClassVar[int]
    parent: str
    page_size: int
    page_token: str
    filter: str
    agent_type: str
    def __init__(self, parent: _Optional[str] = ..., page_size: _Optional[int] = ..., page_token: _Optional[str] = ..., filter: _Optional[str] = ..., agent_type: _Optional[str] = ...) -> None: ...

class ListToolsResponse(_message.Message):
    __slots__ = ("tools", "next_page_token")
    TOOLS_FIELD_NUMBER: _ClassVar[int]
    NEXT_PAGE_TOKEN_FIELD_NUMBER: _ClassVar[int]
    tools: _containers.RepeatedCompositeFieldContainer[_tool_pb2.Tool]
    next_page_token: str
    def __init__(self, tools: _Optional[_Iterable[_Union[_tool_pb2.Tool, _Mapping]]] = ..., next_page_token: _Optional[str] = ...) -> None: ...

class UpdateToolRequest(_message.Message):
    __slots__ = ("tool", "update_mask", "request_id")
    TOOL_FIELD_NUMBER: _ClassVar[int]
    UPDATE_MASK_FIELD_NUMBER: _ClassVar[int]
    REQUEST_ID_FIELD_NUMBER: _ClassVar[int]
    tool: _tool_pb2.Tool
    update_mask: _field_mask_pb2.FieldMask
    request_id: str
    def __init__(self, tool: _Optional[_Union[_tool_pb2.Tool, _Mapping]] = ..., update_mask: _Optional[_Union[_field_mask_pb2.FieldMask, _Mapping]] = ..., request_id: _Optional[str] = ...) -> None: ...

class UpdateToolResponse(_message.Message):
    __slots__ = ("tool",)
    TOOL_FIELD_NUMBER: _ClassVar[int]
    tool: _tool_pb2.Tool
    def __init__(self, tool: _Optional[_Union[_tool_pb2.Tool, _Mapping]] = ...) -> None: ...

class DeleteToolRequest(_message.Message):
    __slots__ = ("name", "request_id")
    NAME_FIELD_NUMBER: _ClassVar[int]
    REQUEST_ID_FIELD_NUMBER: _ClassVar[int]
    name: str
    request_id: str
    def __init__(self, name: _Optional[str] = ..., request_id: _Optional[str] = ...) -> None: ...

class DeleteToolResponse(_message.Message):
    __slots__ = ()
    def __init__(self) -> None: ...

class RunToolRequest(_message.Message):
    __slots__ = ("name", "input", "goal", "task", "request_id", "wait", "agent", "agent_type")
    NAME_FIELD_NUMBER: _ClassVar[int]
    INPUT_FIELD_NUMBER: _ClassVar[int]
    GOAL_FIELD_NUMBER: _ClassVar[int]
    TASK_FIELD_NUMBER: _ClassVar[int]
    REQUEST_ID_FIELD_NUMBER: _ClassVar[int]
    WAIT_FIELD_NUMBER: _ClassVar[int]
    AGENT_FIELD_NUMBER: _ClassVar[int]
    AGENT_TYPE_FIELD_NUMBER: _ClassVar[int]
    name: str
    input: str
    goal: str
    task: str
    request_id: str
    wait: bool
    agent: str
    agent_type: str
    def __init__(self, name: _Optional[str] = ..., input: _Optional[str] = ..., goal: _Optional[str] = ..., task: _Optional[str] = ..., request_id: _Optional[str] = ..., wait: _Optional[bool] = ..., agent: _Optional[str] = ..., agent_type: _Optional[str] = ...) -> None: ...

class RunToolResponse(_message.Message):
    __slots__ = ("tool_run",)
    TOOL_RUN_FIELD_NUMBER: _ClassVar[int]
    tool_run: _tool_run_pb2.ToolRun
    def __init__(self, tool_run: _Optional[_Union[_tool_run_pb2.ToolRun, _Mapping]] = ...) -> None: ...

class GetToolRunRequest(_message.Message):
    __slots__ = ("name",)
    NAME_FIELD_NUMBER: _ClassVar[int]
    name: str
    def __init__(self, name: _Optional[str] = ...) -> None: ...

class GetToolRunResponse(_message.Message):
    __slots__ = ("tool_run",)
    TOOL_RUN_FIELD_NUMBER: _ClassVar[int]
    tool_run: _tool_run_pb2.ToolRun
    def __init__(self, tool_run: _Optional[_Union[_tool_run_pb2.ToolRun, _Mapping]] = ...) -> None: ...

class ListToolRunsRequest(_message.Message):
    __slots__ = ("parent", "page_size", "page_token", "filter")
    PARENT_FIELD_NUMBER: _ClassVar[int]
    PAGE_SIZE_FIELD_NUMBER: _ClassVar[int]
    PAGE_TOKEN_FIELD_NUMBER: _ClassVar[int]
    FILTER_FIELD_NUMBER: _ClassVar[int]
    parent: str
    page_size: int
    page_token: str
    filter: str
    def __init__(self, parent: _Optional[str] = ..., page_size: _Optional[int] = ..., page_token: _Optional[str] = ..., filter: _Optional[str] = ...) -> None: ...

class ListToolRunsResponse(_message.Message):
    __slots__ = ("tool_runs", "next_page_token")
    TOOL_RUNS_FIELD_NUMBER: _ClassVar[int]
    NEXT_PAGE_TOKEN_FIELD_NUMBER: _ClassVar[int]
    tool_runs: _containers.RepeatedCompositeFieldContainer[_tool_run_pb2.ToolRun]
    next_page_token: str
    def __init__(self, tool_runs: _Optional[_Iterable[_Union[_tool_run_pb2.ToolRun, _Mapping]]] = ..., next_page_token: _Optional[str] = ...) -> None: ...

class CancelToolRunRequest(_message.Message):
    __slots__ = ("name", "reason")
    NAME_FIELD_NUMBER: _ClassVar[int]
    REASON_FIELD_NUMBER: _ClassVar[int]
    name: str
    reason: str
    def __init__(self, name: _Optional[str] = ..., reason: _Optional[str] = ...) -> None: ...

class CancelToolRunResponse(_message.Message):
    __slots__ = ("tool_run",)
    TOOL_RUN_FIELD_NUMBER: _ClassVar[int]
    tool_run: _tool_run_pb2.ToolRun
    def __init__(self, tool_run: _Optional[_Union[_tool_run_pb2.ToolRun, _Mapping]] = ...) -> None: ...

class WatchToolRunRequest(_message.Message):
    __slots__ = ("name",)
    NAME_FIELD_NUMBER: _ClassVar[int]
    name: str
    def __init__(self, name: _Optional[str] = ...) -> None: ...

class WatchToolRunResponse(_message.Message):
    __slots__ = ("tool_run", "event_type", "output_chunk", "event_time")
    TOOL_RUN_FIELD_NUMBER: _ClassVar[int]
    EVENT_TYPE_FIELD_NUMBER: _ClassVar[int]
    OUTPUT_CHUNK_FIELD_NUMBER: _ClassVar[int]
    EVENT_TIME_FIELD_NUMBER: _ClassVar[int]
    tool_run: _tool_run_pb2.ToolRun
    event_type: str
    output_chunk: str
    event_time: _timestamp_pb2.Timestamp
    def __init__(self, tool_run: _Optional[_Union[_tool_run_pb2.ToolRun, _Mapping]] = ..., event_type: _Optional[str] = ..., output_chunk: _Optional[str] = ..., event_time: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ...) -> None: ...

class CreateMcpServerRequest(_message.Message):
    __slots__ = ("parent", "mcp_server", "mcp_server_id", "request_id")
    PARENT_FIELD_NUMBER: _ClassVar[int]
    MCP_SERVER_FIELD_NUMBER: _ClassVar[int]
    MCP_SERVER_ID_FIELD_NUMBER: _ClassVar[int]
    REQUEST_ID_FIELD_NUMBER: _ClassVar[int]
    parent: str
    mcp_server: _mcp_server_pb2.McpServer
    mcp_server_id: str
    request_id: str
    def __init__(self, parent: _Optional[str] = ..., mcp_server: _Optional[_Union[_mcp_server_pb2.McpServer, _Mapping]] = ..., mcp_server_id: _Optional[str] = ..., request_id: _Optional[str] = ...) -> None: ...

class CreateMcpServerResponse(_message.Message):
    __slots__ = ("mcp_server",)
    MCP_SERVER_FIELD_NUMBER: _ClassVar[int]
    mcp_server: _mcp_server_pb2.McpServer
    def __init__(self, mcp_server: _Optional[_Union[_mcp_server_pb2.McpServer, _Mapping]] = ...) -> None: ...

class GetMcpServerRequest(_message.Message):
    __slots__ = ("name",)
    NAME_FIELD_NUMBER: _ClassVar[int]
    name: str
    def __init__(self, name: _Optional[str] = ...) -> None: ...

class GetMcpServerResponse(_message.Message):
    __slots__ = ("mcp_server",)
    MCP_SERVER_FIELD_NUMBER: _ClassVar[int]
    mcp_server: _mcp_server_pb2.McpServer
    def __init__(self, mcp_server: _Optional[_Union[_mcp_server_pb2.McpServer, _Mapping]] = ...) -> None: ...

class ListMcpServersRequest(_message.Message):
    __slots__ = ("parent", "page_size", "page_token")
    PARENT_FIELD_NUMBER: _ClassVar[int]
    PAGE_SIZE_FIELD_NUMBER: _ClassVar[int]
    PAGE_TOKEN_FIELD_NUMBER: _ClassVar[int]
    parent: str
    page_size: int
    page_token: str
    def __init__(self, parent: _Optional[str] = ..., page_size: _Optional[int] = ..., page_token: _Optional[str] = ...) -> None: ...

class ListMcpServersResponse(_message.Message):
    __slots__ = ("mcp_servers", "next_page_token")
    MCP_SERVERS_FIELD_NUMBER: _ClassVar[int]
    NEXT_PAGE_TOKEN_FIELD_NUMBER: _ClassVar[int]
    mcp_servers: _containers.RepeatedCompositeFieldContainer[_mcp_server_pb2.McpServer]
    next_page_token: str
    def __init__(self, mcp_servers: _Optional[_Iterable[_Union[_mcp_server_pb2.McpServer, _Mapping]]] = ..., next_page_token: _Optional[str] = ...) -> None: ...

class DeleteMcpServerRequest(_message.Message):
    __slots__ = ("name", "request_id")
    NAME_FIELD_NUMBER: _ClassVar[int]
    REQUEST_ID_FIELD_NUMBER: _ClassVar[int]
    name: str
    request_id: str
    def __init__(self, name: _Optional[str] = ..., request_id: _Optional[str] = ...) -> None: ...

class DeleteMcpServerResponse(_message.Message):
    __slots__ = ()
    def __init__(self) -> None: ...

class SyncMcpServerRequest(_message.Message):
    __slots__ = ("name", "request_id")
    NAME_FIELD_NUMBER: _ClassVar[int]
    REQUEST_ID_FIELD_NUMBER: _ClassVar[int]
    name: str
    request_id: str
    def __init__(self, name: _Optional[str] = ..., request_id: _Optional[str] = ...) -> None: ...

class SyncMcpServerResponse(_message.Message):
    __slots__ = ("mcp_server",)
    MCP_SERVER_FIELD_NUMBER: _ClassVar[int]
    mcp_server: _mcp_server_pb2.McpServer
    def __init__(self, mcp_server: _Optional[_Union[_mcp_server_pb2.McpServer, _Mapping]] = ...) -> None: ...
