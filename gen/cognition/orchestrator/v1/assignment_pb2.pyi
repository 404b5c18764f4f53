import datetime

from google.api import field_behavior_pb2 as _field_behavior_pb2
from google.api import resource_pb2 as _resource_pb2
from google.protobuf import timestamp_pb2 as _timestamp_pb2
from google.protobuf.internal import enum_type_wrapper as _enum_type_wrapper
from google.protobuf import descriptor as _descriptor
from google.protobuf import message as _message
from collections.abc import Mapping as _Mapping
from typing import ClassVar as _ClassVar, Optional as _Optional, Union as _Union

DESCRIPTOR: _descriptor.FileDescriptor

class AssignmentState(int, metaclass=_enum_type_wrapper.EnumTypeWrapper):
    __slots__ = ()
    ASSIGNMENT_STATE_UNSPECIFIED: _ClassVar[AssignmentState]
    ASSIGNMENT_STATE_PENDING: _ClassVar[AssignmentState]
    ASSIGNMENT_STATE_RUNNING: _ClassVar[AssignmentState]
    ASSIGNMENT_STATE_SUCCEEDED: _ClassVar[AssignmentState]
    ASSIGNMENT_STATE_FAILED: _ClassVar[AssignmentState]
    ASSIGNMENT_STATE_REASSIGNED: _ClassVar[AssignmentState]
    ASSIGNMENT_STATE_CANCELLED: _ClassVar[AssignmentState]
    ASSIGNMENT_STATE_SKIPPED: _ClassVar[AssignmentState]
    ASSIGNMENT_STATE_ESCALATED: _ClassVar[AssignmentState]
ASSIGNMENT_STATE_UNSPECIFIED: AssignmentState
ASSIGNMENT_STATE_PENDING: AssignmentState
ASSIGNMENT_STATE_RUNNING: AssignmentState
ASSIGNMENT_STATE_SUCCEEDED: AssignmentState
ASSIGNMENT_STATE_FAILED: AssignmentState
ASSIGNMENT_STATE_REASSIGNED: AssignmentState
ASSIGNMENT_STATE_CANCELLED: AssignmentState
ASSIGNMENT_STATE_SKIPPED: AssignmentState
ASSIGNMENT_STATE_ESCALATED: AssignmentState

class Assignment(_message.Message):
    __slots__ = ("name", "task", "agent", "state", "attempt", "create_time", "update_time", "goal", "next_attempt_time", "lease_expire_time")
    NAME_FIELD_NUMBER: _ClassVar[int]
    TASK_FIELD_NUMBER: _ClassVar[int]
    AGENT_FIELD_NUMBER: _ClassVar[int]
    STATE_FIELD_NUMBER: _ClassVar[int]
    ATTEMPT_FIELD_NUMBER: _ClassVar[int]
    CREATE_TIME_FIELD_NUMBER: _ClassVar[int]
    UPDATE_TIME_FIELD_NUMBER: _ClassVar[int]
    GOAL_FIELD_NUMBER: _ClassVar[int]
    NEXT_ATTEMPT_TIME_FIELD_NUMBER: _ClassVar[int]
    LEASE_EXPIRE_TIME_FIELD_NUMBER: _ClassVar[int]
    name: str
    task: str
    agent: str
    state: AssignmentState
    attempt: int
    create_time: _timestamp_pb2.Timestamp
    update_time: _timestamp_pb2.Timestamp
    goal: str
    next_attempt_time: _timestamp_pb2.Timestamp
    lease_expire_time: _timestamp_pb2.Timestamp
    def __init__(self, name: _Optional[str] = ..., task: _Optional[str] = ..., agent: _Optional[str] = ..., state: _Optional[_Union[AssignmentState, str]] = ..., attempt: _Optional[int] = ..., create_time: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., update_time: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., goal: _Optional[str] = ..., next_attempt_time: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., lease_expire_time: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ...) -> None: ...
