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

class ExplanationState(int, metaclass=_enum_type_wrapper.EnumTypeWrapper):
    __slots__ = ()
    EXPLANATION_STATE_UNSPECIFIED: _ClassVar[ExplanationState]
    EXPLANATION_STATE_PENDING: _ClassVar[ExplanationState]
    EXPLANATION_STATE_READY: _ClassVar[ExplanationState]
    EXPLANATION_STATE_FAILED: _ClassVar[ExplanationState]

class EvidenceKind(int, metaclass=_enum_type_wrapper.EnumTypeWrapper):
    __slots__ = ()
    EVIDENCE_KIND_UNSPECIFIED: _ClassVar[EvidenceKind]
    EVIDENCE_KIND_AUDIT_ENTRY: _ClassVar[EvidenceKind]
    EVIDENCE_KIND_SPAN: _ClassVar[EvidenceKind]
    EVIDENCE_KIND_COMPLETION: _ClassVar[EvidenceKind]
EXPLANATION_STATE_UNSPECIFIED: ExplanationState
EXPLANATION_STATE_PENDING: ExplanationState
EXPLANATION_STATE_READY: ExplanationState
EXPLANATION_STATE_FAILED: ExplanationState
EVIDENCE_KIND_UNSPECIFIED: EvidenceKind
EVIDENCE_KIND_AUDIT_ENTRY: EvidenceKind
EVIDENCE_KIND_SPAN: EvidenceKind
EVIDENCE_KIND_COMPLETION: EvidenceKind

class Explanation(_message.Message):
    __slots__ = ("name", "subject", "question", "state", "answer", "evidence", "trace_id", "create_time", "update_time")
    NAME_FIELD_NUMBER: _ClassVar[int]
    SUBJECT_FIELD_NUMBER: _ClassVar[int]
    QUESTION_FIELD_NUMBER: _ClassVar[int]
    STATE_FIELD_NUMBER: _ClassVar[int]
    ANSWER_FIELD_NUMBER: _ClassVar[int]
    EVIDENCE_FIELD_NUMBER: _ClassVar[int]
    TRACE_ID_FIELD_NUMBER: _ClassVar[int]
    CREATE_TIME_FIELD_NUMBER: _ClassVar[int]
    UPDATE_TIME_FIELD_NUMBER: _ClassVar[int]
    name: str
    subject: str
    question: str
    state: ExplanationState
    answer: str
    evidence: _containers.RepeatedCompositeFieldContainer[Evidence]
    trace_id: str
    create_time: _timestamp_pb2.Timestamp
    update_time: _timestamp_pb2.Timestamp
    def __init__(self, name: _Optional[str] = ..., subject: _Optional[str] = ..., question: _Optional[str] = ..., state: _Optional[_Union[ExplanationState, str]] = ..., answer: _Optional[str] = ..., evidence: _Optional[_Iterable[_Union[Evidence, _Mapping]]] = ..., trace_id: _Optional[str] = ..., create_time: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., update_time: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ...) -> None: ...

class Evidence(_message.Message):
    __slots__ = ("kind", "source", "summary", "time")
    KIND_FIELD_NUMBER: _ClassVar[int]
    SOURCE_FIELD_NUMBER: _ClassVar[int]
    SUMMARY_FIELD_NUMBER: _ClassVar[int]
    TIME_FIELD_NUMBER: _ClassVar[int]
    kind: EvidenceKind
    source: str
    summary: str
    time: _timestamp_pb2.Timestamp
    def __init__(self, kind: _Optional[_Union[EvidenceKind, str]] = ..., source: _Optional[str] = ..., summary: _Optional[str] = ..., time: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ...) -> None: ...
