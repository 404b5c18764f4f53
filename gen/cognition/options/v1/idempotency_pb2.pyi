from google.protobuf import descriptor_pb2 as _descriptor_pb2
from google.protobuf import descriptor as _descriptor
from google.protobuf import message as _message
from typing import ClassVar as _ClassVar, Optional as _Optional

DESCRIPTOR: _descriptor.FileDescriptor
IDEMPOTENCY_FIELD_NUMBER: _ClassVar[int]
idempotency: _descriptor.FieldDescriptor

class Idempotency(_message.Message):
    __slots__ = ("kept_by_service",)
    KEPT_BY_SERVICE_FIELD_NUMBER: _ClassVar[int]
    kept_by_service: bool
    def __init__(self, kept_by_service: _Optional[bool] = ...) -> None: ...
