import datetime

from cognition.quality.v1 import policy_pb2 as _policy_pb2
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

class Verdict(int, metaclass=_enum_type_wrapper.EnumTypeWrapper):
    __slots__ = ()
    VERDICT_UNSPECIFIED: _ClassVar[Verdict]
    VERDICT_PASS: _ClassVar[Verdict]
    VERDICT_FAIL: _ClassVar[Verdict]

class Severity(int, metaclass=_enum_type_wrapper.EnumTypeWrapper):
    __slots__ = ()
    SEVERITY_UNSPECIFIED: _ClassVar[Severity]
    SEVERITY_INFO: _ClassVar[Severity]
    SEVERITY_WARNING: _ClassVar[Severity]
    SEVERITY_ERROR: _ClassVar[Severity]
VERDICT_UNSPECIFIED: Verdict
VERDICT_PASS: Verdict
VERDICT_FAIL: Verdict
SEVERITY_UNSPECIFIED: Severity
SEVERITY_INFO: Severity
SEVERITY_WARNING: Severity
SEVERITY_ERROR: Severity

class Validation(_message.Message):
    __slots__ = ("name", "policy", "subject", "verdict", "findings", "score", "create_time", "mode", "reasons", "redacted_content", "action", "feedback", "agent_type", "prompt_version", "round", "policy_revision", "verification", "content_quality")
    NAME_FIELD_NUMBER: _ClassVar[int]
    POLICY_FIELD_NUMBER: _ClassVar[int]
    SUBJECT_FIELD_NUMBER: _ClassVar[int]
    VERDICT_FIELD_NUMBER: _ClassVar[int]
    FINDINGS_FIELD_NUMBER: _ClassVar[int]
    SCORE_FIELD_NUMBER: _ClassVar[int]
    CREATE_TIME_FIELD_NUMBER: _ClassVar[int]
    MODE_FIELD_NUMBER: _ClassVar[int]
    REASONS_FIELD_NUMBER: _ClassVar[int]
    REDACTED_CONTENT_FIELD_NUMBER: _ClassVar[int]
    ACTION_FIELD_NUMBER: _ClassVar[int]
    FEEDBACK_FIELD_NUMBER: _ClassVar[int]
    AGENT_TYPE_FIELD_NUMBER: _ClassVar[int]
    PROMPT_VERSION_FIELD_NUMBER: _ClassVar[int]
    ROUND_FIELD_NUMBER: _ClassVar[int]
    POLICY_REVISION_FIELD_NUMBER: _ClassVar[int]
    VERIFICATION_FIELD_NUMBER: _ClassVar[int]
    CONTENT_QUALITY_FIELD_NUMBER: _ClassVar[int]
    name: str
    policy: str
    subject: str
    verdict: Verdict
    findings: _containers.RepeatedCompositeFieldContainer[Finding]
    score: float
    create_time: _timestamp_pb2.Timestamp
    mode: _policy_pb2.PolicyMode
    reasons: _containers.RepeatedScalarFieldContainer[str]
    redacted_content: str
    action: _policy_pb2.Action
    feedback: str
    agent_type: str
    prompt_version: str
    round: int
    policy_revision: int
    verification: Verification
    content_quality: float
    def __init__(self, name: _Optional[str] = ..., policy: _Optional[str] = ..., subject: _Optional[str] = ..., verdict: _Optional[_Union[Verdict, str]] = ..., findings: _Optional[_Iterable[_Union[Finding, _Mapping]]] = ..., score: _Optional[float] = ..., create_time: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., mode: _Optional[_Union[_policy_pb2.PolicyMode, str]] = ..., reasons: _Optional[_Iterable[str]] = ..., redacted_content: _Optional[str] = ..., action: _Optional[_Union[_policy_pb2.Action, str]] = ..., feedback: _Optional[str] = ..., agent_type: _Optional[str] = ..., prompt_version: _Optional[str] = ..., round: _Optional[int] = ..., policy_revision: _Optional[int] = ..., verification: _Optional[_Union[Verification, _Mapping]] = ..., content_quality: _Optional[float] = ...) -> None: ...

class Verification(_message.Message):
    __slots__ = ("role", "model", "agrees", "score", "reasons", "completion")
    ROLE_FIELD_NUMBER: _ClassVar[int]
    MODEL_FIELD_NUMBER: _ClassVar[int]
    AGREES_FIELD_NUMBER: _ClassVar[int]
    SCORE_FIELD_NUMBER: _ClassVar[int]
    REASONS_FIELD_NUMBER: _ClassVar[int]
    COMPLETION_FIELD_NUMBER: _ClassVar[int]
    role: str
    model: str
    agrees: bool
    score: float
    reasons: _containers.RepeatedScalarFieldContainer[str]
    completion: str
    def __init__(self, role: _Optional[str] = ..., model: _Optional[str] = ..., agrees: _Optional[bool] = ..., score: _Optional[float] = ..., reasons: _Optional[_Iterable[str]] = ..., completion: _Optional[str] = ...) -> None: ...

class Finding(_message.Message):
    __slots__ = ("rule_index", "message", "severity", "kind", "category")
    RULE_INDEX_FIELD_NUMBER: _ClassVar[int]
    MESSAGE_FIELD_NUMBER: _ClassVar[int]
    SEVERITY_FIELD_NUMBER: _ClassVar[int]
    KIND_FIELD_NUMBER: _ClassVar[int]
    CATEGORY_FIELD_NUMBER: _ClassVar[int]
    rule_index: int
    message: str
    severity: Severity
    kind: _policy_pb2.RuleKind
    category: str
    def __init__(self, rule_index: _Optional[int] = ..., message: _Optional[str] = ..., severity: _Optional[_Union[Severity, str]] = ..., kind: _Optional[_Union[_policy_pb2.RuleKind, str]] = ..., category: _Optional[str] = ...) -> None: ...
