"""Typed errors of the mesh, mapped one-to-one onto gRPC status codes.

The hierarchy::

    CognitionError                 (code, reason, message, metadata)
    ├── InvalidArgument            INVALID_ARGUMENT   + google.rpc.BadRequest field violations
    ├── NotFound                   NOT_FOUND
    ├── AlreadyExists              ALREADY_EXISTS
    ├── FailedPrecondition         FAILED_PRECONDITION
    ├── Aborted                    ABORTED            (a concurrent change, e.g. an etag mismatch)
    ├── PermissionDenied           PERMISSION_DENIED
    ├── Unauthenticated            UNAUTHENTICATED
    ├── ResourceExhausted          RESOURCE_EXHAUSTED + google.rpc.RetryInfo when a delay is known
    ├── Unavailable                UNAVAILABLE        + google.rpc.RetryInfo when a delay is known
    ├── DeadlineExceeded           DEADLINE_EXCEEDED
    ├── Unimplemented              UNIMPLEMENTED      (in the contract, not served yet)
    └── Internal                   INTERNAL

The module is plain Python (no gRPC), so domain code anywhere may raise these; :class:`Code`
numbers are gRPC's canonical status codes. One server interceptor turns them into a
``google.rpc.Status`` with an ``ErrorInfo`` (reason, domain = the service) and the details
above, and the shared client turns such a status back into the same exception. Anything else
that escapes a handler becomes INTERNAL "internal error" and is logged once with its trace id.
"""

from __future__ import annotations

import enum
from collections.abc import Mapping, Sequence
from dataclasses import dataclass


class Code(enum.IntEnum):
    """The canonical status codes (``google.rpc.Code``), the numbers gRPC uses."""

    UNKNOWN = 2
    INVALID_ARGUMENT = 3
    DEADLINE_EXCEEDED = 4
    NOT_FOUND = 5
    ALREADY_EXISTS = 6
    PERMISSION_DENIED = 7
    RESOURCE_EXHAUSTED = 8
    FAILED_PRECONDITION = 9
    ABORTED = 10
    UNIMPLEMENTED = 12
    INTERNAL = 13
    UNAVAILABLE = 14
    UNAUTHENTICATED = 16


@dataclass(frozen=True)
class FieldViolation:
    """One bad field of a request: its path (``goal.description``) and what is wrong with it."""

    field: str
    description: str
    reason: str = ""


class CognitionError(Exception):
    """Base of every error the mesh reports to callers.

    Args:
        message: Human-readable explanation, safe to show to the caller.
        reason: UPPER_SNAKE machine-readable reason (``GOAL_NOT_FOUND``); defaults per class.
        metadata: Extra key/values carried in ``google.rpc.ErrorInfo.metadata``.
    """

    code: Code = Code.UNKNOWN
    default_reason: str = "UNKNOWN"

    def __init__(
        self,
        message: str,
        *,
        reason: str | None = None,
        metadata: Mapping[str, str] | None = None,
    ) -> None:
        super().__init__(message)
        self.message = message
        self.reason = reason or self.default_reason
        self.metadata: dict[str, str] = dict(metadata or {})

    def __repr__(self) -> str:
        return f"{type(self).__name__}({self.message!r}, reason={self.reason!r})"


class InvalidArgument(CognitionError):
    """The request is malformed; ``violations`` name each bad field."""

    code = Code.INVALID_ARGUMENT
    default_reason = "INVALID_ARGUMENT"

    def __init__(
        self,
        message: str,
        violations: Sequence[FieldViolation] = (),
        *,
        reason: str | None = None,
        metadata: Mapping[str, str] | None = None,
    ) -> None:
        super().__init__(message, reason=reason, metadata=metadata)
        self.violations: tuple[FieldViolation, ...] = tuple(violations)

    @classmethod
    def for_field(cls, field: str, description: str, reason: str = "") -> InvalidArgument:
        """An error about exactly one field."""
        return cls(f"invalid {field}: {description}", [FieldViolation(field, description, reason)])


class NotFound(CognitionError):
    """The resource does not exist, or belongs to another tenant."""

    code = Code.NOT_FOUND
    default_reason = "NOT_FOUND"


class AlreadyExists(CognitionError):
    """A resource with that name already exists."""

    code = Code.ALREADY_EXISTS
    default_reason = "ALREADY_EXISTS"


class FailedPrecondition(CognitionError):
    """The system is not in a state where the operation can run."""

    code = Code.FAILED_PRECONDITION
    default_reason = "FAILED_PRECONDITION"


class Aborted(CognitionError):
    """A concurrent change won; retry the read-modify-write."""

    code = Code.ABORTED
    default_reason = "ABORTED"


class PermissionDenied(CognitionError):
    """The caller is known but lacks the required scope."""

    code = Code.PERMISSION_DENIED
    default_reason = "PERMISSION_DENIED"


class Unauthenticated(CognitionError):
    """No valid credentials were presented."""

    code = Code.UNAUTHENTICATED
    default_reason = "UNAUTHENTICATED"


class _Retryable(CognitionError):
    """An error that says when to try again (``google.rpc.RetryInfo``)."""

    def __init__(
        self,
        message: str,
        *,
        retry_after: float | None = None,
        reason: str | None = None,
        metadata: Mapping[str, str] | None = None,
    ) -> None:
        super().__init__(message, reason=reason, metadata=metadata)
        self.retry_after = retry_after


class ResourceExhausted(_Retryable):
    """A quota, budget or rate limit is exhausted."""

    code = Code.RESOURCE_EXHAUSTED
    default_reason = "RESOURCE_EXHAUSTED"


class Unavailable(_Retryable):
    """The service (or one it depends on) cannot answer now; safe to retry."""

    code = Code.UNAVAILABLE
    default_reason = "UNAVAILABLE"


class DeadlineExceeded(CognitionError):
    """The call's deadline passed before it finished."""

    code = Code.DEADLINE_EXCEEDED
    default_reason = "DEADLINE_EXCEEDED"


class Unimplemented(CognitionError):
    """The method is part of the contract but this server does not serve it."""

    code = Code.UNIMPLEMENTED
    default_reason = "UNIMPLEMENTED"


class Internal(CognitionError):
    """A bug or an unexpected failure; details are in the server log, not in the status."""

    code = Code.INTERNAL
    default_reason = "INTERNAL"


ERROR_BY_CODE: dict[Code, type[CognitionError]] = {
    cls.code: cls
    for cls in (
        InvalidArgument, NotFound, AlreadyExists, FailedPrecondition, Aborted, PermissionDenied,
        Unauthenticated, ResourceExhausted, Unavailable, DeadlineExceeded, Unimplemented,
        Internal,
    )
}
