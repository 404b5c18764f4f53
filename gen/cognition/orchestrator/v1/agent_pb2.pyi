import datetime

from buf.validate import validate_pb2 as _validate_pb2
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

class AssignmentStrategy(int, metaclass=_enum_type_wrapper.EnumTypeWrapper):
    __slots__ = ()
    ASSIGNMENT_STRATEGY_UNSPECIFIED: _ClassVar[AssignmentStrategy]
    ASSIGNMENT_STRATEGY_ROUND_ROBIN: _ClassVar[AssignmentStrategy]
    ASSIGNMENT_STRATEGY_LEAST_LOADED: _ClassVar[AssignmentStrategy]
    ASSIGNMENT_STRATEGY_CAPABILITY_MATCH: _ClassVar[AssignmentStrategy]

class FailureStrategy(int, metaclass=_enum_type_wrapper.EnumTypeWrapper):
    __slots__ = ()
    FAILURE_STRATEGY_UNSPECIFIED: _ClassVar[FailureStrategy]
    FAILURE_STRATEGY_RETRY: _ClassVar[FailureStrategy]
    FAILURE_STRATEGY_SKIP: _ClassVar[FailureStrategy]
    FAILURE_STRATEGY_REASSIGN: _ClassVar[FailureStrategy]
    FAILURE_STRATEGY_ESCALATE: _ClassVar[FailureStrategy]

class AgentState(int, metaclass=_enum_type_wrapper.EnumTypeWrapper):
    __slots__ = ()
    AGENT_STATE_UNSPECIFIED: _ClassVar[AgentState]
    AGENT_STATE_HEALTHY: _ClassVar[AgentState]
    AGENT_STATE_UNHEALTHY: _ClassVar[AgentState]
    AGENT_STATE_DRAINING: _ClassVar[AgentState]
    AGENT_STATE_OFFLINE: _ClassVar[AgentState]
ASSIGNMENT_STRATEGY_UNSPECIFIED: AssignmentStrategy
ASSIGNMENT_STRATEGY_ROUND_ROBIN: AssignmentStrategy
ASSIGNMENT_STRATEGY_LEAST_LOADED: AssignmentStrategy
ASSIGNMENT_STRATEGY_CAPABILITY_MATCH: AssignmentStrategy
FAILURE_STRATEGY_UNSPECIFIED: FailureStrategy
FAILURE_STRATEGY_RETRY: FailureStrategy
FAILURE_STRATEGY_SKIP: FailureStrategy
FAILURE_STRATEGY_REASSIGN: FailureStrategy
FAILURE_STRATEGY_ESCALATE: FailureStrategy
AGENT_STATE_UNSPECIFIED: AgentState
AGENT_STATE_HEALTHY: AgentState
AGENT_STATE_UNHEALTHY: AgentState
AGENT_STATE_DRAINING: AgentState
AGENT_STATE_OFFLINE: AgentState

class Agent(_message.Message):
    __slots__ = ("name", "display_name", "role", "capabilities", "max_concurrency", "assignment_strategy", "failure_strategy", "state", "last_heartbeat_time", "active_assignments", "create_time", "update_time", "etag")
    NAME_FIELD_NUMBER: _ClassVar[int]
    DISPLAY_NAME_FIELD_NUMBER: _ClassVar[int]
    ROLE_FIELD_NUMBER: _ClassVar[int]
    CAPABILITIES_FIELD_NUMBER: _ClassVar[int]
    MAX_CONCURRENCY_FIELD_NUMBER: _ClassVar[int]
    ASSIGNMENT_STRATEGY_FIELD_NUMBER: _ClassVar[int]
    FAILURE_STRATEGY_FIELD_NUMBER: _ClassVar[int]
    STATE_FIELD_NUMBER: _ClassVar[int]
    LAST_HEARTBEAT_TIME_FIELD_NUMBER: _ClassVar[int]
    ACTIVE_ASSIGNMENTS_FIELD_NUMBER: _ClassVar[int]
    CREATE_TIME_FIELD_NUMBER: _ClassVar[int]
    UPDATE_TIME_FIELD_NUMBER: _ClassVar[int]
    ETAG_FIELD_NUMBER: _ClassVar[int]
    name: str
    display_name: str
    role: str
    capabilities: _containers.RepeatedScalarFieldContainer[str]
    max_concurrency: int
    assignment_strategy: AssignmentStrategy
    failure_strategy: FailureStrategy
    state: AgentState
    last_heartbeat_time: _timestamp_pb2.Timestamp
    active_assignments: int
    create_time: _timestamp_pb2.Timestamp
    update_time: _timestamp_pb2.Timestamp
    etag: str
    def __init__(self, name: _Optional[str] = ..., display_name: _Optional[str] = ..., role: _Optional[str] = ..., capabilities: _Optional[_Iterable[str]] = ..., max_concurrency: _Optional[int] = ..., assignment_strategy: _Optional[_Union[AssignmentStrategy, str]] = ..., failure_strategy: _Optional[_Union[FailureStrategy, str]] = ..., state: _Optional[_Union[AgentState, str]] = ..., last_heartbeat_time: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., active_assignments: _Optional[int] = ..., create_time: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., update_time: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., etag: _Optional[str] = ...) -> None: ...
