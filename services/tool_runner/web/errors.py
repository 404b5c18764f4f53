"""Why a fetch did not return a response.

The hierarchy::

    FetchError              (reason, message)
    ├── RequestRefused      the request breaks the policy; nothing was sent to the refused target
    └── FetchFailed         the request was allowed but the network or the server failed it

``reason`` is one of :class:`RefusalReason` or :class:`FailureReason` (UPPER_SNAKE, fit for an
``ErrorInfo`` reason); ``message`` names the host and, for an address, its category.
"""

from __future__ import annotations

import enum


class RefusalReason(enum.StrEnum):
    """Why a request was refused before it reached its target."""

    INVALID_URL = "INVALID_URL"
    INVALID_HEADER = "INVALID_HEADER"
    METHOD_NOT_ALLOWED = "METHOD_NOT_ALLOWED"
    SCHEME_NOT_ALLOWED = "SCHEME_NOT_ALLOWED"
    HOST_NOT_ALLOWED = "HOST_NOT_ALLOWED"
    ADDRESS_NOT_ALLOWED = "ADDRESS_NOT_ALLOWED"
    TOO_MANY_REDIRECTS = "TOO_MANY_REDIRECTS"


class FailureReason(enum.StrEnum):
    """Why an allowed request got no response."""

    DNS_FAILED = "DNS_FAILED"
    CONNECT_FAILED = "CONNECT_FAILED"
    TIMEOUT = "TIMEOUT"
    PROTOCOL_ERROR = "PROTOCOL_ERROR"
    NETWORK_ERROR = "NETWORK_ERROR"


class FetchError(Exception):
    """A fetch that returned no response.

    Args:
        reason: UPPER_SNAKE reason, one of :class:`RefusalReason` or :class:`FailureReason`.
        message: What happened, naming the host.
    """

    def __init__(self, reason: str, message: str) -> None:
        super().__init__(message)
        self.reason = str(reason)  # a plain string, also when given a reason enum
        self.message = message

    def __repr__(self) -> str:
        return f"{type(self).__name__}({self.reason!r}, {self.message!r})"


class RequestRefused(FetchError):
    """The policy refused the request (or one of its redirects); the refused target was not
    contacted."""


class FetchFailed(FetchError):
    """The request was allowed but failed: name resolution, connection, timeout or protocol."""
