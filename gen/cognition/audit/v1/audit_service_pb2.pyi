import datetime

from buf.validate import validate_pb2 as _validate_pb2
from cognition.audit.v1 import audit_entry_pb2 as _audit_entry_pb2
from cognition.audit.v1 import retention_policy_pb2 as _retention_policy_pb2
from cognition.options.v1 import access_pb2 as _access_pb2
from google.api import annotations_pb2 as _annotations_pb2
from google.api import client_pb2 as _client_pb2
from google.api import field_behavior_pb2 as _field_behavior_pb2
from google.protobuf import field_mask_pb2 as _field_mask_pb2
from google.protobuf import timestamp_pb2 as _timestamp_pb2
from google.protobuf.internal import containers as _containers
from google.protobuf import descriptor as _descriptor
from google.protobuf import message as _message
from collections.abc import Iterable as _Iterable, Mapping as _Mapping
from typing import ClassVar as _ClassVar, Optional as _Optional, Union as _Union

DESCRIPTOR: _descriptor.FileDescriptor

class CreateAuditEntryRequest(_message.Message):
    __slots__ = ("parent", "audit_entry", "audit_entry_id", "request_id")
    PARENT_FIELD_NUMBER: _ClassVar[int]
    AUDIT_ENTRY_FIELD_NUMBER: _ClassVar[int]
    AUDIT_ENTRY_ID_FIELD_NUMBER: _ClassVar[int]
    REQUEST_ID_FIELD_NUMBER: _ClassVar[int]
    parent: str
    audit_entry: _audit_entry_pb2.AuditEntry
    audit_entry_id: str
    request_id: str
    def __init__(self, parent: _Optional[str] = ..., audit_entry: _Optional[_Union[_audit_entry_pb2.AuditEntry, _Mapping]] = ..., audit_entry_id: _Optional[str] = ..., request_id: _Optional[str] = ...) -> None: ...

class CreateAuditEntryResponse(_message.Message):
    __slots__ = ("audit_entry",)
    AUDIT_ENTRY_FIELD_NUMBER: _ClassVar[int]
    audit_entry: _audit_entry_pb2.AuditEntry
    def __init__(self, audit_entry: _Optional[_Union[_audit_entry_pb2.AuditEntry, _Mapping]] = ...) -> None: ...

class BatchCreateAuditEntriesRequest(_message.Message):
    __slots__ = ("parent", "requests", "request_id")
    PARENT_FIELD_NUMBER: _ClassVar[int]
    REQUESTS_FIELD_NUMBER: _ClassVar[int]
    REQUEST_ID_FIELD_NUMBER: _ClassVar[int]
    parent: str
    requests: _containers.RepeatedCompositeFieldContainer[CreateAuditEntryRequest]
    request_id: str
    def __init__(self, parent: _Optional[str] = ..., requests: _Optional[_Iterable[_Union[CreateAuditEntryRequest, _Mapping]]] = ..., request_id: _Optional[str] = ...) -> None: ...

class BatchCreateAuditEntriesResponse(_message.Message):
    __slots__ = ("audit_entries",)
    AUDIT_ENTRIES_FIELD_NUMBER: _ClassVar[int]
    audit_entries: _containers.RepeatedCompositeFieldContainer[_audit_entry_pb2.AuditEntry]
    def __init__(self, audit_entries: _Optional[_Iterable[_Union[_audit_entry_pb2.AuditEntry, _Mapping]]] = ...) -> None: ...

class GetAuditEntryRequest(_message.Message):
    __slots__ = ("name",)
    NAME_FIELD_NUMBER: _ClassVar[int]
    name: str
    def __init__(self, name: _Optional[str] = ...) -> None: ...

class GetAuditEntryResponse(_message.Message):
    __slots__ = ("audit_entry",)
    AUDIT_ENTRY_FIELD_NUMBER: _ClassVar[int]
    audit_entry: _audit_entry_pb2.AuditEntry
    def __init__(self, audit_entry: _Optional[_Union[_audit_entry_pb2.AuditEntry, _Mapping]] = ...) -> None: ...

class ListAuditEntriesRequest(_message.Message):
    __slots__ = ("parent", "page_size", "page_token", "filter", "resource", "actor", "trace_id", "start_time", "end_time")
    PARENT_FIELD_NUMBER: _ClassVar[int]
    PAGE_SIZE_FIELD_NUMBER: _ClassVar[int]
    PAGE_TOKEN_FIELD_NUMBER: _ClassVar[int]
    FILTER_FIELD_NUMBER: _ClassVar[int]
    RESOURCE_FIELD_NUMBER: _ClassVar[int]
    ACTOR_FIELD_NUMBER: _ClassVar[int]
    TRACE_ID_FIELD_NUMBER: _ClassVar[int]
    START_TIME_FIELD_NUMBER: _ClassVar[int]
    END_TIME_FIELD_NUMBER: _ClassVar[int]
    parent: str
    page_size: int
    page_token: str
    filter: str
    resource: str
    actor: str
    trace_id: str
    start_time: _timestamp_pb2.Timestamp
    end_time: _timestamp_pb2.Timestamp
    def __init__(self, parent: _Optional[str] = ..., page_size: _Optional[int] = ..., page_token: _Optional[str] = ..., filter: _Optional[str] = ..., resource: _Optional[str] = ..., actor: _Optional[str] = ..., trace_id: _Optional[str] = ..., start_time: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., end_time: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ...) -> None: ...

class ListAuditEntriesResponse(_message.Message):
    __slots__ = ("audit_entries", "next_page_token")
    AUDIT_ENTRIES_FIELD_NUMBER: _ClassVar[int]
    NEXT_PAGE_TOKEN_FIELD_NUMBER: _ClassVar[int]
    audit_entries: _containers.RepeatedCompositeFieldContainer[_audit_entry_pb2.AuditEntry]
    next_page_token: str
    def __init__(self, audit_entries: _Optional[_Iterable[_Union[_audit_entry_pb2.AuditEntry, _Mapping]]] = ..., next_page_token: _Optional[str] = ...) -> None: ...

class VerifyChainRequest(_message.Message):
    __slots__ = ("parent",)
    PARENT_FIELD_NUMBER: _ClassVar[int]
    parent: str
    def __init__(self, parent: _Optional[str] = ...) -> None: ...

class VerifyChainResponse(_message.Message):
    __slots__ = ("valid", "entries_checked", "first_bad_entry", "reason")
    VALID_FIELD_NUMBER: _ClassVar[int]
    ENTRIES_CHECKED_FIELD_NUMBER: _ClassVar[int]
    FIRST_BAD_ENTRY_FIELD_NUMBER: _ClassVar[int]
    REASON_FIELD_NUMBER: _ClassVar[int]
    valid: bool
    entries_checked: int
    first_bad_entry: str
    reason: str
    def __init__(self, valid: _Optional[bool] = ..., entries_checked: _Optional[int] = ..., first_bad_entry: _Optional[str] = ..., reason: _Optional[str] = ...) -> None: ...

class GetRetentionPolicyRequest(_message.Message):
    __slots__ = ("name",)
    NAME_FIELD_NUMBER: _ClassVar[int]
    name: str
    def __init__(self, name: _Optional[str] = ...) -> None: ...

class GetRetentionPolicyResponse(_message.Message):
    __slots__ = ("retention_policy",)
    RETENTION_POLICY_FIELD_NUMBER: _ClassVar[int]
    retention_policy: _retention_policy_pb2.RetentionPolicy
    def __init__(self, retention_policy: _Optional[_Union[_retention_policy_pb2.RetentionPolicy, _Mapping]] = ...) -> None: ...

class UpdateRetentionPolicyRequest(_message.Message):
    __slots__ = ("retention_policy", "update_mask", "request_id")
    RETENTION_POLICY_FIELD_NUMBER: _ClassVar[int]
    UPDATE_MASK_FIELD_NUMBER: _ClassVar[int]
    REQUEST_ID_FIELD_NUMBER: _ClassVar[int]
    retention_policy: _retention_policy_pb2.RetentionPolicy
    update_mask: _field_mask_pb2.FieldMask
    request_id: str
    def __init__(self, retention_policy: _Optional[_Union[_retention_policy_pb2.RetentionPolicy, _Mapping]] = ..., update_mask: _Optional[_Union[_field_mask_pb2.FieldMask, _Mapping]] = ..., request_id: _Optional[str] = ...) -> None: ...

class UpdateRetentionPolicyResponse(_message.Message):
    __slots__ = ("retention_policy",)
    RETENTION_POLICY_FIELD_NUMBER: _ClassVar[int]
    retention_policy: _retention_policy_pb2.RetentionPolicy
    def __init__(self, retention_policy: _Optional[_Union[_retention_policy_pb2.RetentionPolicy, _Mapping]] = ...) -> None: ...
