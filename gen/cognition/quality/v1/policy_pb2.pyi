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
POLICY_MODE_UNSPECIFIED: PolicyMode
POLICY_MODE_ENFORCE: PolicyMode
POLICY_MODE_AUDIT: PolicyMode

class Policy(_message.Message):
    __slots__ = ("name", "display_name", "rules", "mode", "create_time", "update_time", "etag")
    NAME_FIELD_NUMBER: _ClassVar[int]
    DISPLAY_NAME_FIELD_NUMBER: _ClassVar[int]
    RULES_FIELD_NUMBER: _ClassVar[int]
    MODE_FIELD_NUMBER: _ClassVar[int]
    CREATE_TIME_FIELD_NUMBER: _ClassVar[int]
    UPDATE_TIME_FIELD_NUMBER: _ClassVar[int]
    ETAG_FIELD_NUMBER: _ClassVar[int]
    name: str
    display_name: str
    rules: _containers.RepeatedCompositeFieldContainer[Rule]
    mode: PolicyMode
    create_time: _timestamp_pb2.Timestamp
    update_time: _timestamp_pb2.Timestamp
    etag: str
    def __init__(self, name: _Optional[str] = ..., display_name: _Optional[str] = ..., rules: _Optional[_Iterable[_Union[Rule, _Mapping]]] = ..., mode: _Optional[_Union[PolicyMode, str]] = ..., create_time: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., update_time: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., etag: _Optional[str] = ...) -> None: ...

class Rule(_message.Message):
    __slots__ = ("kind", "config")
    KIND_FIELD_NUMBER: _ClassVar[int]
    CONFIG_FIELD_NUMBER: _ClassVar[int]
    kind: RuleKind
    config: str
    def __init__(self, kind: _Optional[_Union[RuleKind, str]] = ..., config: _Optional[str] = ...) -> None: ...
