import datetime

from google.api import field_behavior_pb2 as _field_behavior_pb2
from google.api import resource_pb2 as _resource_pb2
from google.protobuf import timestamp_pb2 as _timestamp_pb2
from google.protobuf.internal import containers as _containers
from google.protobuf.internal import enum_type_wrapper as _enum_type_wrapper
from google.protobuf import descriptor as _descriptor
from google.protobuf import message as _message
from collections.abc import Iterable as _Iterable, Mapping as _Mapping
from typing import ClassVar as _ClassVar, Optional as _Optional, Union as _Union

DESCRIPTOR: _descriptor.FileDescriptor

class ToolRunState(int, metaclass=_enum_type_wrapper.EnumTypeWrapper):
    __slots__ = ()
    TOOL_RUN_STATE_UNSPECIFIED: _ClassVar[ToolRunState]
    TOOL_RUN_STATE_QUEUED: _ClassVar[ToolRunState]
    TOOL_RUN_STATE_RUNNING: _ClassVar[ToolRunState]
    TOOL_RUN_STATE_SUCCEEDED: _ClassVar[ToolRunState]
    TOOL_RUN_STATE_FAILED: _ClassVar[ToolRunState]
    TOOL_RUN_STATE_TIMED_OUT: _ClassVar[ToolRunState]
    TOOL_RUN_STATE_CANCELLED: _ClassVar[ToolRunState]
    TOOL_RUN_STATE_LIMIT_EXCEEDED: _ClassVar[ToolRunState]
TOOL_RUN_STATE_UNSPECIFIED: ToolRunState
TOOL_RUN_STATE_QUEUED: ToolRunState
TOOL_RUN_STATE_RUNNING: ToolRunState
TOOL_RUN_STATE_SUCCEEDED: ToolRunState
TOOL_RUN_STATE_FAILED: ToolRunState
TOOL_RUN_STATE_TIMED_OUT: ToolRunState
TOOL_RUN_STATE_CANCELLED: ToolRunState
TOOL_RUN_STATE_LIMIT_EXCEEDED: ToolRunState

class ToolRun(_message.Message):
    __slots__ = ("name", "tool", "input", "state", "output", "stderr", "exit_code", "start_time", "end_time", "goal", "task", "error_message", "agent", "agent_type", "creator", "sandbox_layers", "output_truncated")
    NAME_FIELD_NUMBER: _ClassVar[int]
    TOOL_FIELD_NUMBER: _ClassVar[int]
    INPUT_FIELD_NUMBER: _ClassVar[int]
    STATE_FIELD_NUMBER: _ClassVar[int]
    OUTPUT_FIELD_NUMBER: _ClassVar[int]
    STDERR_FIELD_NUMBER: _ClassVar[int]
    EXIT_CODE_FIELD_NUMBER: _ClassVar[int]
    START_TIME_FIELD_NUMBER: _ClassVar[int]
    END_TIME_FIELD_NUMBER: _ClassVar[int]
    GOAL_FIELD_NUMBER: _ClassVar[int]
    TASK_FIELD_NUMBER: _ClassVar[int]
    ERROR_MESSAGE_FIELD_NUMBER: _ClassVar[int]
    AGENT_FIELD_NUMBER: _ClassVar[int]
    AGENT_TYPE_FIELD_NUMBER: _ClassVar[int]
    CREATOR_FIELD_NUMBER: _ClassVar[int]
    SANDBOX_LAYERS_FIELD_NUMBER: _ClassVar[int]
    OUTPUT_TRUNCATED_FIELD_NUMBER: _ClassVar[int]
    name: str
    tool: str
    input: str
    state: ToolRunState
    output: str
    stderr: str
    exit_code: int
    start_time: _timestamp_pb2.Timestamp
    end_time: _timestamp_pb2.Timestamp
    goal: str
    task: str
    error_message: str
    agent: str
    agent_type: str
    creator: str
    sandbox_layers: _containers.RepeatedScalarFieldContainer[str]
    output_truncated: bool
    def __init__(self, name: _Optional[str] = ..., tool: _Optional[str] = ..., input: _Optional[str] = ..., state: _Optional[_Union[ToolRunState, str]] = ..., output: _Optional[str] = ..., stderr: _Optional[str] = ..., exit_code: _Optional[int] = ..., start_time: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., end_time: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., goal: _Optional[str] = ..., task: _Optional[str] = ..., error_message: _Optional[str] = ..., agent: _Optional[str] = ..., agent_type: _Optional[str] = ..., creator: _Optional[str] = ..., sandbox_layers: _Optional[_Iterable[str]] = ..., output_truncated: _Optional[bool] = ...) -> None: ...
