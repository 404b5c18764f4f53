from buf.validate import validate_pb2 as _validate_pb2
from cognition.explain.v1 import explanation_pb2 as _explanation_pb2
from cognition.options.v1 import access_pb2 as _access_pb2
from google.api import annotations_pb2 as _annotations_pb2
from google.api import client_pb2 as _client_pb2
from google.api import field_behavior_pb2 as _field_behavior_pb2
from google.protobuf.internal import containers as _containers
from google.protobuf import descriptor as _descriptor
from google.protobuf import message as _message
from collections.abc import Iterable as _Iterable, Mapping as _Mapping
from typing import ClassVar as _ClassVar, Optional as _Optional, Union as _Union

DESCRIPTOR: _descriptor.FileDescriptor

class CreateExplanationRequest(_message.Message):
    __slots__ = ("parent", "explanation", "explanation_id", "request_id")
    PARENT_FIELD_NUMBER: _ClassVar[int]
    EXPLANATION_FIELD_NUMBER: _ClassVar[int]
    EXPLANATION_ID_FIELD_NUMBER: _ClassVar[int]
    REQUEST_ID_FIELD_NUMBER: _ClassVar[int]
    parent: str
    explanation: _explanation_pb2.Explanation
    explanation_id: str
    request_id: str
    def __init__(self, parent: _Optional[str] = ..., explanation: _Optional[_Union[_explanation_pb2.Explanation, _Mapping]] = ..., explanation_id: _Optional[str] = ..., request_id: _Optional[str] = ...) -> None: ...

class CreateExplanationResponse(_message.Message):
    __slots__ = ("explanation",)
    EXPLANATION_FIELD_NUMBER: _ClassVar[int]
    explanation: _explanation_pb2.Explanation
    def __init__(self, explanation: _Optional[_Union[_explanation_pb2.Explanation, _Mapping]] = ...) -> None: ...

class GetExplanationRequest(_message.Message):
    __slots__ = ("name",)
    NAME_FIELD_NUMBER: _ClassVar[int]
    name: str
    def __init__(self, name: _Optional[str] = ...) -> None: ...

class GetExplanationResponse(_message.Message):
    __slots__ = ("explanation",)
    EXPLANATION_FIELD_NUMBER: _ClassVar[int]
    explanation: _explanation_pb2.Explanation
    def __init__(self, explanation: _Optional[_Union[_explanation_pb2.Explanation, _Mapping]] = ...) -> None: ...

class ListExplanationsRequest(_message.Message):
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

class ListExplanationsResponse(_message.Message):
    __slots__ = ("explanations", "next_page_token")
    EXPLANATIONS_FIELD_NUMBER: _ClassVar[int]
    NEXT_PAGE_TOKEN_FIELD_NUMBER: _ClassVar[int]
    explanations: _containers.RepeatedCompositeFieldContainer[_explanation_pb2.Explanation]
    next_page_token: str
    def __init__(self, explanations: _Optional[_Iterable[_Union[_explanation_pb2.Explanation, _Mapping]]] = ..., next_page_token: _Optional[str] = ...) -> None: ...

class DeleteExplanationRequest(_message.Message):
    __slots__ = ("name", "request_id")
    NAME_FIELD_NUMBER: _ClassVar[int]
    REQUEST_ID_FIELD_NUMBER: _ClassVar[int]
    name: str
    request_id: str
    def __init__(self, name: _Optional[str] = ..., request_id: _Optional[str] = ...) -> None: ...

class DeleteExplanationResponse(_message.Message):
    __slots__ = ()
    def __init__(self) -> None: ...

class ExplainTraceRequest(_message.Message):
    __slots__ = ("parent", "trace_id", "question")
    PARENT_FIELD_NUMBER: _ClassVar[int]
    TRACE_ID_FIELD_NUMBER: _ClassVar[int]
    QUESTION_FIELD_NUMBER: _ClassVar[int]
    parent: str
    trace_id: str
    question: str
    def __init__(self, parent: _Optional[str] = ..., trace_id: _Optional[str] = ..., question: _Optional[str] = ...) -> None: ...

class ExplainTraceResponse(_message.Message):
    __slots__ = ("answer", "evidence")
    ANSWER_FIELD_NUMBER: _ClassVar[int]
    EVIDENCE_FIELD_NUMBER: _ClassVar[int]
    answer: str
    evidence: _containers.RepeatedCompositeFieldContainer[_explanation_pb2.Evidence]
    def __init__(self, answer: _Optional[str] = ..., evidence: _Optional[_Iterable[_Union[_explanation_pb2.Evidence, _Mapping]]] = ...) -> None: ...
