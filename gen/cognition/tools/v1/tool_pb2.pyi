import datetime

from buf.validate import validate_pb2 as _validate_pb2
from google.api import field_behavior_pb2 as _field_behavior_pb2
from google.api import resource_pb2 as _resource_pb2
from google.protobuf import duration_pb2 as _duration_pb2
from google.protobuf import timestamp_pb2 as _timestamp_pb2
from google.protobuf.internal import containers as _containers
from google.protobuf.internal import enum_type_wrapper as _enum_type_wrapper
from google.protobuf import descriptor as _descriptor
from google.protobuf import message as _message
from collections.abc import Iterable as _Iterable, Mapping as _Mapping
from typing import ClassVar as _ClassVar, Optional as _Optional, Union as _Union

DESCRIPTOR: _descriptor.FileDescriptor

class ToolRuntime(int, metaclass=_enum_type_wrapper.EnumTypeWrapper):
    __slots__ = ()
    TOOL_RUNTIME_UNSPECIFIED: _ClassVar[ToolRuntime]
    TOOL_RUNTIME_PYTHON: _ClassVar[ToolRuntime]
    TOOL_RUNTIME_SHELL: _ClassVar[ToolRuntime]
    TOOL_RUNTIME_HTTP: _ClassVar[ToolRuntime]
    TOOL_RUNTIME_BUILTIN: _ClassVar[ToolRuntime]
    TOOL_RUNTIME_MCP: _ClassVar[ToolRuntime]

class ToolState(int, metaclass=_enum_type_wrapper.EnumTypeWrapper):
    __slots__ = ()
    TOOL_STATE_UNSPECIFIED: _ClassVar[ToolState]
    TOOL_STATE_ACTIVE: _ClassVar[ToolState]
    TOOL_STATE_DISABLED: _ClassVar[ToolState]
TOOL_RUNTIME_UNSPECIFIED: ToolRuntime
TOOL_RUNTIME_PYTHON: ToolRuntime
TOOL_RUNTIME_SHELL: ToolRuntime
TOOL_RUNTIME_HTTP: ToolRuntime
TOOL_RUNTIME_BUILTIN: ToolRuntime
TOOL_RUNTIME_MCP: ToolRuntime
TOOL_STATE_UNSPECIFIED: ToolState
TOOL_STATE_ACTIVE: ToolState
TOOL_STATE_DISABLED: ToolState

class Tool(_message.Message):
    __slots__ = ("name", "display_name", "description", "runtime", "entrypoint", "input_schema", "timeout", "allowed_hosts", "state", "create_time", "update_time", "etag", "output_schema", "required_scopes", "agent_types", "idempotent", "http_method", "mcp_server")
    NAME_FIELD_NUMBER: _ClassVar[int]
    DISPLAY_NAME_FIELD_NUMBER: _ClassVar[int]
    DESCRIPTION_FIELD_NUMBER: _ClassVar[int]
    RUNTIME_FIELD_NUMBER: _ClassVar[int]
    ENTRYPOINT_FIELD_NUMBER: _ClassVar[int]
    INPUT_SCHEMA_FIELD_NUMBER: _ClassVar[int]
    TIMEOUT_FIELD_NUMBER: _ClassVar[int]
    ALLOWED_HOSTS_FIELD_NUMBER: _ClassVar[int]
    STATE_FIELD_NUMBER: _ClassVar[int]
    CREATE_TIME_FIELD_NUMBER: _ClassVar[int]
    UPDATE_TIME_FIELD_NUMBER: _ClassVar[int]
    ETAG_FIELD_NUMBER: _ClassVar[int]
    OUTPUT_SCHEMA_FIELD_NUMBER: _ClassVar[int]
    REQUIRED_SCOPES_FIELD_NUMBER: _ClassVar[int]
    AGENT_TYPES_FIELD_NUMBER: _ClassVar[int]
    IDEMPOTENT_FIELD_NUMBER: _ClassVar[int]
    HTTP_METHOD_FIELD_NUMBER: _ClassVar[int]
    MCP_SERVER_FIELD_NUMBER: _ClassVar[int]
    name: str
    display_name: str
    description: str
    runtime: ToolRuntime
    entrypoint: str
    input_schema: str
    timeout: _duration_pb2.Duration
    allowed_hosts: _containers.RepeatedScalarFieldContainer[str]
    state: ToolState
    create_time: _timestamp_pb2.Timestamp
    update_time: _timestamp_pb2.Timestamp
    etag: str
    output_schema: str
    required_scopes: _containers.RepeatedScalarFieldContainer[str]
    agent_types: _containers.RepeatedScalarFieldContainer[str]
    idempotent: bool
    http_method: str
    mcp_server: str
    def __init__(self, name: _Optional[str] = ..., display_name: _Optional[str] = ..., description: _Optional[str] = ..., runtime: _Optional[_Union[ToolRuntime, str]] = ..., entrypoint: _Optional[str] = ..., input_schema: _Optional[str] = ..., timeout: _Optional[_Union[datetime.timedelta, _duration_pb2.Duration, _Mapping]] = ..., allowed_hosts: _Optional[_Iterable[str]] = ..., state: _Optional[_Union[ToolState, str]] = ..., create_time: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., update_time: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., etag: _Optional[str] = ..., output_schema: _Optional[str] = ..., required_scopes: _Optional[_Iterable[str]] = ..., agent_types: _Optional[_Iterable[str]] = ..., idempotent: _Optional[bool] = ..., http_method: _Optional[str] = ..., mcp_server: _Optional[str] = ...) -> None: ...
