"""Conversion between :mod:`shared.errors` and ``google.rpc.Status`` with rich details."""

from __future__ import annotations

import grpc
from google.protobuf import any_pb2, duration_pb2
from google.rpc import error_details_pb2, status_pb2
from grpc_status import rpc_status

from shared.errors import (
    ERROR_BY_CODE,
    CognitionError,
    FieldViolation,
    InvalidArgument,
    _Retryable,
)


def _pack(message: object) -> any_pb2.Any:
    packed = any_pb2.Any()
    packed.Pack(message)  # type: ignore[arg-type]
    return packed


def to_status(error: CognitionError, domain: str) -> status_pb2.Status:
    """The ``google.rpc.Status`` describing ``error``, with ErrorInfo and its details."""
    status = status_pb2.Status(code=error.code.value[0], message=error.message)
    info = error_details_pb2.ErrorInfo(reason=error.reason, domain=domain)
    info.metadata.update(error.metadata)
    status.details.append(_pack(info))
    if isinstance(error, InvalidArgument) and error.violations:
        bad = error_details_pb2.BadRequest()
        for v in error.violations:
            bad.field_violations.add(field=v.field, description=v.description, reason=v.reason)
        status.details.append(_pack(bad))
    if isinstance(error, _Retryable) and error.retry_after is not None:
        delay = duration_pb2.Duration()
        delay.FromMilliseconds(int(error.retry_after * 1000))
        status.details.append(_pack(error_details_pb2.RetryInfo(retry_delay=delay)))
    return status


def to_grpc_status(error: CognitionError, domain: str) -> grpc.Status:
    """A ``grpc.Status`` (code, message, binary details trailer) for ``abort_with_status``."""
    return rpc_status.to_status(to_status(error, domain))


def from_rpc_error(error: grpc.RpcError) -> CognitionError:
    """Rebuild the typed error a peer raised from its status and details.

    Unknown codes (and UNKNOWN itself) become :class:`shared.errors.Internal`.
    """
    code = error.code() if callable(getattr(error, "code", None)) else grpc.StatusCode.UNKNOWN
    message = (error.details() if callable(getattr(error, "details", None)) else "") or ""
    cls = ERROR_BY_CODE.get(code) or ERROR_BY_CODE[grpc.StatusCode.INTERNAL]
    reason: str | None = None
    metadata: dict[str, str] = {}
    violations: list[FieldViolation] = []
    retry_after: float | None = None
    status = rpc_status.from_call(error) if hasattr(error, "trailing_metadata") else None
    for detail in status.details if status else ():
        if detail.Is(error_details_pb2.ErrorInfo.DESCRIPTOR):
            info = error_details_pb2.ErrorInfo()
            detail.Unpack(info)
            reason, metadata = info.reason, dict(info.metadata)
        elif detail.Is(error_details_pb2.BadRequest.DESCRIPTOR):
            bad = error_details_pb2.BadRequest()
            detail.Unpack(bad)
            violations = [FieldViolation(v.field, v.description, v.reason)
                          for v in bad.field_violations]
        elif detail.Is(error_details_pb2.RetryInfo.DESCRIPTOR):
            retry = error_details_pb2.RetryInfo()
            detail.Unpack(retry)
            retry_after = retry.retry_delay.ToMilliseconds() / 1000
    if cls is InvalidArgument:
        return InvalidArgument(message, violations, reason=reason, metadata=metadata)
    if issubclass(cls, _Retryable):
        return cls(message, retry_after=retry_after, reason=reason, metadata=metadata)
    return cls(message, reason=reason, metadata=metadata)

