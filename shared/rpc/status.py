"""Conversion between :mod:`shared.errors` and ``google.rpc.Status`` with rich details.

A status travels in a trailer, and proxies refuse trailers past a few kilobytes (Envoy then
answers 502 instead of the error), so what a status carries is bounded whatever the request
was: at most :data:`MAX_VIOLATIONS` field violations (the message says how many more there
were), and every text in it cut to a fixed length.
"""

from __future__ import annotations

import grpc
from google.protobuf import any_pb2, duration_pb2
from google.rpc import error_details_pb2, status_pb2
from grpc_status import rpc_status

from shared.errors import (
    ERROR_BY_CODE,
    Code,
    CognitionError,
    FieldViolation,
    InvalidArgument,
    _Retryable,
)


def _pack(message: object) -> any_pb2.Any:
    packed = any_pb2.Any()
    packed.Pack(message)  # type: ignore[arg-type]
    return packed


MAX_VIOLATIONS = 20
MAX_MESSAGE = 1024
MAX_TEXT = 256
MAX_METADATA = 16
OMITTED_KEY = "violations_omitted"


def _cut(text: str, limit: int = MAX_TEXT) -> str:
    return text if len(text) <= limit else text[: limit - 1] + "…"


def to_status(error: CognitionError, domain: str) -> status_pb2.Status:
    """The ``google.rpc.Status`` describing ``error``, with ErrorInfo and its details."""
    message = error.message
    violations = error.violations if isinstance(error, InvalidArgument) else ()
    omitted = max(0, len(violations) - MAX_VIOLATIONS)
    if omitted:
        message = (f"invalid request: {len(violations)} fields are invalid; the first "
                   f"{MAX_VIOLATIONS} are listed, {omitted} more are not")
    status = status_pb2.Status(code=int(error.code), message=_cut(message, MAX_MESSAGE))
    info = error_details_pb2.ErrorInfo(reason=_cut(error.reason), domain=domain)
    for key, value in list(error.metadata.items())[:MAX_METADATA]:
        info.metadata[_cut(key)] = _cut(value)
    if omitted:
        info.metadata[OMITTED_KEY] = str(omitted)
    status.details.append(_pack(info))
    if violations:
        bad = error_details_pb2.BadRequest()
        for v in violations[:MAX_VIOLATIONS]:
            bad.field_violations.add(field=_cut(v.field), description=_cut(v.description),
                                     reason=_cut(v.reason))
        status.details.append(_pack(bad))
    if isinstance(error, _Retryable) and error.retry_after is not None:
        delay = duration_pb2.Duration()
        delay.FromMilliseconds(int(error.retry_after * 1000))
        status.details.append(_pack(error_details_pb2.RetryInfo(retry_delay=delay)))
    return status


def to_grpc_status(error: CognitionError, domain: str) -> grpc.Status:
    """A ``grpc.Status`` (code, message, binary details trailer) for ``abort_with_status``."""
    return rpc_status.to_status(to_status(error, domain))


def _code(grpc_code: grpc.StatusCode | None) -> Code:
    numbers = {code.value for code in Code}
    number = grpc_code.value[0] if grpc_code is not None else Code.UNKNOWN
    return Code(number) if number in numbers else Code.UNKNOWN


def from_rpc_error(error: grpc.RpcError) -> CognitionError:
    """Rebuild the typed error a peer raised from its status and details.

    Unknown codes (and UNKNOWN itself) become :class:`shared.errors.Internal`.
    """
    grpc_code = error.code() if callable(getattr(error, "code", None)) else None
    message = (error.details() if callable(getattr(error, "details", None)) else "") or ""
    cls = ERROR_BY_CODE.get(_code(grpc_code)) or ERROR_BY_CODE[Code.INTERNAL]
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

