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

class NamespaceKind(int, metaclass=_enum_type_wrapper.EnumTypeWrapper):
    __slots__ = ()
    NAMESPACE_KIND_UNSPECIFIED: _ClassVar[NamespaceKind]
    NAMESPACE_KIND_TENANT: _ClassVar[NamespaceKind]
    NAMESPACE_KIND_AGENT: _ClassVar[NamespaceKind]
    NAMESPACE_KIND_GOAL: _ClassVar[NamespaceKind]
    NAMESPACE_KIND_SHARED: _ClassVar[NamespaceKind]
NAMESPACE_KIND_UNSPECIFIED: NamespaceKind
NAMESPACE_KIND_TENANT: NamespaceKind
NAMESPACE_KIND_AGENT: NamespaceKind
NAMESPACE_KIND_GOAL: NamespaceKind
NAMESPACE_KIND_SHARED: NamespaceKind

class Namespace(_message.Message):
    __slots__ = ("name", "display_name", "readers", "writers", "lifecycle_policy", "create_time", "update_time", "kind", "admins", "max_memories", "max_bytes", "ranking", "etag")
    NAME_FIELD_NUMBER: _ClassVar[int]
    DISPLAY_NAME_FIELD_NUMBER: _ClassVar[int]
    READERS_FIELD_NUMBER: _ClassVar[int]
    WRITERS_FIELD_NUMBER: _ClassVar[int]
    LIFECYCLE_POLICY_FIELD_NUMBER: _ClassVar[int]
    CREATE_TIME_FIELD_NUMBER: _ClassVar[int]
    UPDATE_TIME_FIELD_NUMBER: _ClassVar[int]
    KIND_FIELD_NUMBER: _ClassVar[int]
    ADMINS_FIELD_NUMBER: _ClassVar[int]
    MAX_MEMORIES_FIELD_NUMBER: _ClassVar[int]
    MAX_BYTES_FIELD_NUMBER: _ClassVar[int]
    RANKING_FIELD_NUMBER: _ClassVar[int]
    ETAG_FIELD_NUMBER: _ClassVar[int]
    name: str
    display_name: str
    readers: _containers.RepeatedScalarFieldContainer[str]
    writers: _containers.RepeatedScalarFieldContainer[str]
    lifecycle_policy: str
    create_time: _timestamp_pb2.Timestamp
    update_time: _timestamp_pb2.Timestamp
    kind: NamespaceKind
    admins: _containers.RepeatedScalarFieldContainer[str]
    max_memories: int
    max_bytes: int
    ranking: RankingWeights
    etag: str
    def __init__(self, name: _Optional[str] = ..., display_name: _Optional[str] = ..., readers: _Optional[_Iterable[str]] = ..., writers: _Optional[_Iterable[str]] = ..., lifecycle_policy: _Optional[str] = ..., create_time: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., update_time: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., kind: _Optional[_Union[NamespaceKind, str]] = ..., admins: _Optional[_Iterable[str]] = ..., max_memories: _Optional[int] = ..., max_bytes: _Optional[int] = ..., ranking: _Optional[_Union[RankingWeights, _Mapping]] = ..., etag: _Optional[str] = ...) -> None: ...

class RankingWeights(_message.Message):
    __slots__ = ("similarity", "recency", "importance", "frequency", "recency_half_life")
    SIMILARITY_FIELD_NUMBER: _ClassVar[int]
    RECENCY_FIELD_NUMBER: _ClassVar[int]
    IMPORTANCE_FIELD_NUMBER: _ClassVar[int]
    FREQUENCY_FIELD_NUMBER: _ClassVar[int]
    RECENCY_HALF_LIFE_FIELD_NUMBER: _ClassVar[int]
    similarity: float
    recency: float
    importance: float
    frequency: float
    recency_half_life: _duration_pb2.Duration
    def __init__(self, similarity: _Optional[float] = ..., recency: _Optional[float] = ..., importance: _Optional[float] = ..., frequency: _Optional[float] = ..., recency_half_life: _Optional[_Union[datetime.timedelta, _duration_pb2.Duration, _Mapping]] = ...) -> None: ...
