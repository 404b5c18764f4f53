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

class RuleKind(int, metaclass=_enum_type_wrapper.EnumTypeWrapper):
    __slots__ = ()
    RULE_KIND_UNSPECIFIED: _ClassVar[RuleKind]
    RULE_KIND_JSON_SCHEMA: _ClassVar[RuleKind]
    RULE_KIND_MAX_LENGTH: _ClassVar[RuleKind]
    RULE_KIND_REQUIRED_KEYWORDS: _ClassVar[RuleKind]
    RULE_KIND_FORBIDDEN_PATTERNS: _ClassVar[RuleKind]
    RULE_KIND_MIN_SCORE: _ClassVar[RuleKind]
    RULE_KIND_OUTPUT_SCHEMA: _ClassVar[RuleKind]
    RULE_KIND_SECRETS: _ClassVar[RuleKind]
    RULE_KIND_PII: _ClassVar[RuleKind]
    RULE_KIND_REFUSAL: _ClassVar[RuleKind]
    RULE_KIND_CLAIMED_TOOLS: _ClassVar[RuleKind]
    RULE_KIND_CROSS_CHECK: _ClassVar[RuleKind]

class Action(int, metaclass=_enum_type_wrapper.EnumTypeWrapper):
    __slots__ = ()
    ACTION_UNSPECIFIED: _ClassVar[Action]
    ACTION_ACCEPT: _ClassVar[Action]
    ACTION_REJECT: _ClassVar[Action]
    ACTION_REPAIR: _ClassVar[Action]
    ACTION_ESCALATE: _ClassVar[Action]

class PolicyMode(int, metaclass=_enum_type_wrapper.EnumTypeWrapper):
    __slots__ = ()
    POLICY_MODE_UNSPECIFIED: _ClassVar[PolicyMode]
    POLICY_MODE_ENFORCE: _ClassVar[PolicyMode]
    POLICY_MODE_AUDIT: _ClassVar[PolicyMode]
RULE_KIND_UNSPECIFIED: RuleKind
RULE_KIND_JSON_SCHEMA: RuleKind
RULE_KIND_MAX_LENGTH: RuleKind
RULE_KIND_REQUIRED_KEYWORDS: RuleKind
RULE_KIND_FORBIDDEN_PATTERNS: RuleKind
RULE_KIND_MIN_SCORE: RuleKind
RULE_KIND_OUTPUT_SCHEMA: RuleKind
RULE_KIND_SECRETS: RuleKind
RULE_KIND_PII: RuleKind
RULE_KIND_REFUSAL: RuleKind
RULE_KIND_CLAIMED_TOOLS: RuleKind
RULE_KIND_CROSS_CHECK: RuleKind
ACTION_UNSPECIFIED: Action
ACTION_ACCEPT: Action
ACTION_REJECT: Action
ACTION_REPAIR: Action
ACTION_ESCALATE: Action
POLICY_MODE_UNSPECIFIED: PolicyMode
POLICY_MODE_ENFORCE: PolicyMode
POLICY_MODE_AUDIT: PolicyMode

class Policy(_message.Message):
    __slots__ = ("name", "display_name", "rules", "mode", "create_time", "update_time", "etag", "agent_type", "revision", "on_failure", "max_repair_rounds", "pass_score")
    NAME_FIELD_NUMBER: _ClassVar[int]
    DISPLAY_NAME_FIELD_NUMBER: _ClassVar[int]
    RULES_FIELD_NUMBER: _ClassVar[int]
    MODE_FIELD_NUMBER: _ClassVar[int]
    CREATE_TIME_FIELD_NUMBER: _ClassVar[int]
    UPDATE_TIME_FIELD_NUMBER: _ClassVar[int]
    ETAG_FIELD_NUMBER: _ClassVar[int]
    AGENT_TYPE_FIELD_NUMBER: _ClassVar[int]
    REVISION_FIELD_NUMBER: _ClassVar[int]
    ON_FAILURE_FIELD_NUMBER: _ClassVar[int]
    MAX_REPAIR_ROUNDS_FIELD_NUMBER: _ClassVar[int]
    PASS_SCORE_FIELD_NUMBER: _ClassVar[int]
    name: str
    display_name: str
    rules: _containers.RepeatedCompositeFieldContainer[Rule]
    mode: PolicyMode
    create_time: _timestamp_pb2.Timestamp
    update_time: _timestamp_pb2.Timestamp
    etag: str
    agent_type: str
    revision: int
    on_failure: Action
    max_repair_rounds: int
    pass_score: float
    def __init__(self, name: _Optional[str] = ..., display_name: _Optional[str] = ..., rules: _Optional[_Iterable[_Union[Rule, _Mapping]]] = ..., mode: _Optional[_Union[PolicyMode, str]] = ..., create_time: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., update_time: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., etag: _Optional[str] = ..., agent_type: _Optional[str] = ..., revision: _Optional[int] = ..., on_failure: _Optional[_Union[Action, str]] = ..., max_repair_rounds: _Optional[int] = ..., pass_score: _Optional[float] = ...) -> None: ...

class Rule(_message.Message):
    __slots__ = ("kind", "config")
    KIND_FIELD_NUMBER: _ClassVar[int]
    CONFIG_FIELD_NUMBER: _ClassVar[int]
    kind: RuleKind
    config: str
    def __init__(self, kind: _Optional[_Union[RuleKind, str]] = ..., config: _Optional[str] = ...) -> None: ...
