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

class MemoryJobKind(int, metaclass=_enum_type_wrapper.EnumTypeWrapper):
    __slots__ = ()
    MEMORY_JOB_KIND_UNSPECIFIED: _ClassVar[MemoryJobKind]
    MEMORY_JOB_KIND_GC: _ClassVar[MemoryJobKind]
    MEMORY_JOB_KIND_COMPRESS: _ClassVar[MemoryJobKind]
    MEMORY_JOB_KIND_ARCHIVE_STALE: _ClassVar[MemoryJobKind]
    MEMORY_JOB_KIND_REEMBED: _ClassVar[MemoryJobKind]

class MemoryJobState(int, metaclass=_enum_type_wrapper.EnumTypeWrapper):
    __slots__ = ()
    MEMORY_JOB_STATE_UNSPECIFIED: _ClassVar[MemoryJobState]
    MEMORY_JOB_STATE_RUNNING: _ClassVar[MemoryJobState]
    MEMORY_JOB_STATE_SUCCEEDED: _ClassVar[MemoryJobState]
    MEMORY_JOB_STATE_FAILED: _ClassVar[MemoryJobState]
MEMORY_JOB_KIND_UNSPECIFIED: MemoryJobKind
MEMORY_JOB_KIND_GC: MemoryJobKind
MEMORY_JOB_KIND_COMPRESS: MemoryJobKind
MEMORY_JOB_KIND_ARCHIVE_STALE: MemoryJobKind
MEMORY_JOB_KIND_REEMBED: MemoryJobKind
MEMORY_JOB_STATE_UNSPECIFIED: MemoryJobState
MEMORY_JOB_STATE_RUNNING: MemoryJobState
MEMORY_JOB_STATE_SUCCEEDED: MemoryJobState
MEMORY_JOB_STATE_FAILED: MemoryJobState

class MemoryJob(_message.Message):
    __slots__ = ("name", "kind", "namespace", "dry_run", "state", "report", "error", "create_time", "update_time", "end_time", "scheduled")
    NAME_FIELD_NUMBER: _ClassVar[int]
    KIND_FIELD_NUMBER: _ClassVar[int]
    NAMESPACE_FIELD_NUMBER: _ClassVar[int]
    DRY_RUN_FIELD_NUMBER: _ClassVar[int]
    STATE_FIELD_NUMBER: _ClassVar[int]
    REPORT_FIELD_NUMBER: _ClassVar[int]
    ERROR_FIELD_NUMBER: _ClassVar[int]
    CREATE_TIME_FIELD_NUMBER: _ClassVar[int]
    UPDATE_TIME_FIELD_NUMBER: _ClassVar[int]
    END_TIME_FIELD_NUMBER: _ClassVar[int]
    SCHEDULED_FIELD_NUMBER: _ClassVar[int]
    name: str
    kind: MemoryJobKind
    namespace: str
    dry_run: bool
    state: MemoryJobState
    report: MemoryJobReport
    error: str
    create_time: _timestamp_pb2.Timestamp
    update_time: _timestamp_pb2.Timestamp
    end_time: _timestamp_pb2.Timestamp
    scheduled: bool
    def __init__(self, name: _Optional[str] = ..., kind: _Optional[_Union[MemoryJobKind, str]] = ..., namespace: _Optional[str] = ..., dry_run: _Optional[bool] = ..., state: _Optional[_Union[MemoryJobState, str]] = ..., report: _Optional[_Union[MemoryJobReport, _Mapping]] = ..., error: _Optional[str] = ..., create_time: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., update_time: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., end_time: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., scheduled: _Optional[bool] = ...) -> None: ...

class MemoryJobReport(_message.Message):
    __slots__ = ("examined", "deleted", "archived", "created", "merges", "reembedded")
    EXAMINED_FIELD_NUMBER: _ClassVar[int]
    DELETED_FIELD_NUMBER: _ClassVar[int]
    ARCHIVED_FIELD_NUMBER: _ClassVar[int]
    CREATED_FIELD_NUMBER: _ClassVar[int]
    MERGES_FIELD_NUMBER: _ClassVar[int]
    REEMBEDDED_FIELD_NUMBER: _ClassVar[int]
    examined: int
    deleted: _containers.RepeatedScalarFieldContainer[str]
    archived: _containers.RepeatedScalarFieldContainer[str]
    created: _containers.RepeatedScalarFieldContainer[str]
    merges: _containers.RepeatedCompositeFieldContainer[MemoryMerge]
    reembedded: int
    def __init__(self, examined: _Optional[int] = ..., deleted: _Optional[_Iterable[str]] = ..., archived: _Optional[_Iterable[str]] = ..., created: _Optional[_Iterable[str]] = ..., merges: _Optional[_Iterable[_Union[MemoryMerge, _Mapping]]] = ..., reembedded: _Optional[int] = ...) -> None: ...

class MemoryMerge(_message.Message):
    __slots__ = ("into",)
    INTO_FIELD_NUMBER: _ClassVar[int]
    FROM_FIELD_NUMBER: _ClassVar[int]
    into: str
    def __init__(self, into: _Optional[str] = ..., **kwargs) -> None: ...
