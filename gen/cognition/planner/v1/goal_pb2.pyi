import datetime

from buf.validate import validate_pb2 as _validate_pb2
from google.api import field_behavior_pb2 as _field_behavior_pb2
from google.api import resource_pb2 as _resource_pb2
from google.protobuf import timestamp_pb2 as _timestamp_pb2
from google.protobuf.internal import containers as _containers
from google.protobuf.internal import enum_type_wrapper as _enum_type_wrapper
from google.protobuf import descriptor as _descriptor
from google.protobuf import message as _message
from collections.abc import Mapping as _Mapping
from typing import ClassVar as _ClassVar, Optional as _Optional, Union as _Union

DESCRIPTOR: _descriptor.FileDescriptor

class GoalState(int, metaclass=_enum_type_wrapper.EnumTypeWrapper):
    __slots__ = ()
    GOAL_STATE_UNSPECIFIED: _ClassVar[GoalState]
    GOAL_STATE_PENDING: _ClassVar[GoalState]
    GOAL_STATE_PLANNING: _ClassVar[GoalState]
    GOAL_STATE_RUNNING: _ClassVar[GoalState]
    GOAL_STATE_PAUSED: _ClassVar[GoalState]
    GOAL_STATE_SUCCEEDED: _ClassVar[GoalState]
    GOAL_STATE_FAILED: _ClassVar[GoalState]
    GOAL_STATE_CANCELLED: _ClassVar[GoalState]

class GoalPriority(int, metaclass=_enum_type_wrapper.EnumTypeWrapper):
    __slots__ = ()
    GOAL_PRIORITY_UNSPECIFIED: _ClassVar[GoalPriority]
    GOAL_PRIORITY_LOW: _ClassVar[GoalPriority]
    GOAL_PRIORITY_NORMAL: _ClassVar[GoalPriority]
    GOAL_PRIORITY_HIGH: _ClassVar[GoalPriority]
GOAL_STATE_UNSPECIFIED: GoalState
GOAL_STATE_PENDING: GoalState
GOAL_STATE_PLANNING: GoalState
GOAL_STATE_RUNNING: GoalState
GOAL_STATE_PAUSED: GoalState
GOAL_STATE_SUCCEEDED: GoalState
GOAL_STATE_FAILED: GoalState
GOAL_STATE_CANCELLED: GoalState
GOAL_PRIORITY_UNSPECIFIED: GoalPriority
GOAL_PRIORITY_LOW: GoalPriority
GOAL_PRIORITY_NORMAL: GoalPriority
GOAL_PRIORITY_HIGH: GoalPriority

class Goal(_message.Message):
    __slots__ = ("name", "description", "state", "priority", "labels", "plan", "create_time", "update_time", "etag", "state_reason")
    class LabelsEntry(_message.Message):
        __slots__ = ("key", "value")
        KEY_FIELD_NUMBER: _ClassVar[int]
        VALUE_FIELD_NUMBER: _ClassVar[int]
        key: str
        value: str
        def __init__(self, key: _Optional[str] = ..., value: _Optional[str] = ...) -> None: ...
    NAME_FIELD_NUMBER: _ClassVar[int]
    DESCRIPTION_FIELD_NUMBER: _ClassVar[int]
    STATE_FIELD_NUMBER: _ClassVar[int]
    PRIORITY_FIELD_NUMBER: _ClassVar[int]
    LABELS_FIELD_NUMBER: _ClassVar[int]
    PLAN_FIELD_NUMBER: _ClassVar[int]
    CREATE_TIME_FIELD_NUMBER: _ClassVar[int]
    UPDATE_TIME_FIELD_NUMBER: _ClassVar[int]
    ETAG_FIELD_NUMBER: _ClassVar[int]
    STATE_REASON_FIELD_NUMBER: _ClassVar[int]
    name: str
    description: str
    state: GoalState
    priority: GoalPriority
    labels: _containers.ScalarMap[str, str]
    plan: str
    create_time: _timestamp_pb2.Timestamp
    update_time: _timestamp_pb2.Timestamp
    etag: str
    state_reason: str
    def __init__(self, name: _Optional[str] = ..., description: _Optional[str] = ..., state: _Optional[_Union[GoalState, str]] = ..., priority: _Optional[_Union[GoalPriority, str]] = ..., labels: _Optional[_Mapping[str, str]] = ..., plan: _Optional[str] = ..., create_time: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., update_time: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., etag: _Optional[str] = ..., state_reason: _Optional[str] = ...) -> None: ...
