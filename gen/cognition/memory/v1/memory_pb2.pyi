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

class MemoryState(int, metaclass=_enum_type_wrapper.EnumTypeWrapper):
    __slots__ = ()
    MEMORY_STATE_UNSPECIFIED: _ClassVar[MemoryState]
    MEMORY_STATE_ACTIVE: _ClassVar[MemoryState]
    MEMORY_STATE_ARCHIVED: _ClassVar[MemoryState]

class MemoryKind(int, metaclass=_enum_type_wrapper.EnumTypeWrapper):
    __slots__ = ()
    MEMORY_KIND_UNSPECIFIED: _ClassVar[MemoryKind]
    MEMORY_KIND_EPISODIC: _ClassVar[MemoryKind]
    MEMORY_KIND_SEMANTIC: _ClassVar[MemoryKind]
    MEMORY_KIND_PROCEDURAL: _ClassVar[MemoryKind]
    MEMORY_KIND_WORKING: _ClassVar[MemoryKind]
MEMORY_STATE_UNSPECIFIED: MemoryState
MEMORY_STATE_ACTIVE: MemoryState
MEMORY_STATE_ARCHIVED: MemoryState
MEMORY_KIND_UNSPECIFIED: MemoryKind
MEMORY_KIND_EPISODIC: MemoryKind
MEMORY_KIND_SEMANTIC: MemoryKind
MEMORY_KIND_PROCEDURAL: MemoryKind
MEMORY_KIND_WORKING: MemoryKind

class Memory(_message.Message):
    __slots__ = ("name", "namespace", "content", "kind", "importance", "metadata", "expire_time", "create_time", "update_time", "etag", "tags", "source", "access_count", "access_time", "version", "state", "embedding_model", "embedding_dimensions", "embedding", "merged_from", "merged_into")
    class MetadataEntry(_message.Message):
        __slots__ = ("key", "value")
        KEY_FIELD_NUMBER: _ClassVar[int]
        VALUE_FIELD_NUMBER: _ClassVar[int]
        key: str
        value: str
        def __init__(self, key: _Optional[str] = ..., value: _Optional[str] = ...) -> None: ...
    NAME_FIELD_NUMBER: _ClassVar[int]
    NAMESPACE_FIELD_NUMBER: _ClassVar[int]
    CONTENT_FIELD_NUMBER: _ClassVar[int]
    KIND_FIELD_NUMBER: _ClassVar[int]
    IMPORTANCE_FIELD_NUMBER: _ClassVar[int]
    METADATA_FIELD_NUMBER: _ClassVar[int]
    EXPIRE_TIME_FIELD_NUMBER: _ClassVar[int]
    CREATE_TIME_FIELD_NUMBER: _ClassVar[int]
    UPDATE_TIME_FIELD_NUMBER: _ClassVar[int]
    ETAG_FIELD_NUMBER: _ClassVar[int]
    TAGS_FIELD_NUMBER: _ClassVar[int]
    SOURCE_FIELD_NUMBER: _ClassVar[int]
    ACCESS_COUNT_FIELD_NUMBER: _ClassVar[int]
    ACCESS_TIME_FIELD_NUMBER: _ClassVar[int]
    VERSION_FIELD_NUMBER: _ClassVar[int]
    STATE_FIELD_NUMBER: _ClassVar[int]
    EMBEDDING_MODEL_FIELD_NUMBER: _ClassVar[int]
    EMBEDDING_DIMENSIONS_FIELD_NUMBER: _ClassVar[int]
    EMBEDDING_FIELD_NUMBER: _ClassVar[int]
    MERGED_FROM_FIELD_NUMBER: _ClassVar[int]
    MERGED_INTO_FIELD_NUMBER: _ClassVar[int]
    name: str
    namespace: str
    content: str
    kind: MemoryKind
    importance: float
    metadata: _containers.ScalarMap[str, str]
    expire_time: _timestamp_pb2.Timestamp
    create_time: _timestamp_pb2.Timestamp
    update_time: _timestamp_pb2.Timestamp
    etag: str
    tags: _containers.RepeatedScalarFieldContainer[str]
    source: MemorySource
    access_count: int
    access_time: _timestamp_pb2.Timestamp
    version: int
    state: MemoryState
    embedding_model: str
    embedding_dimensions: int
    embedding: _containers.RepeatedScalarFieldContainer[float]
    merged_from: _containers.RepeatedScalarFieldContainer[str]
    merged_into: str
    def __init__(self, name: _Optional[str] = ..., namespace: _Optional[str] = ..., content: _Optional[str] = ..., kind: _Optional[_Union[MemoryKind, str]] = ..., importance: _Optional[float] = ..., metadata: _Optional[_Mapping[str, str]] = ..., expire_time: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., create_time: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., update_time: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., etag: _Optional[str] = ..., tags: _Optional[_Iterable[str]] = ..., source: _Optional[_Union[MemorySource, _Mapping]] = ..., access_count: _Optional[int] = ..., access_time: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., version: _Optional[int] = ..., state: _Optional[_Union[MemoryState, str]] = ..., embedding_model: _Optional[str] = ..., embedding_dimensions: _Optional[int] = ..., embedding: _Optional[_Iterable[float]] = ..., merged_from: _Optional[_Iterable[str]] = ..., merged_into: _Optional[str] = ...) -> None: ...

class MemorySource(_message.Message):
    __slots__ = ("agent", "goal", "task")
    AGENT_FIELD_NUMBER: _ClassVar[int]
    GOAL_FIELD_NUMBER: _ClassVar[int]
    TASK_FIELD_NUMBER: _ClassVar[int]
    agent: str
    goal: str
    task: str
    def __init__(self, agent: _Optional[str] = ..., goal: _Optional[str] = ..., task: _Optional[str] = ...) -> None: ...
