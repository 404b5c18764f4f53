"""The tool-runner's outgoing HTTP client, safe against server-side request forgery.

:func:`fetch` sends a request only to hosts on a tenant's allow-list
(:mod:`~services.tool_runner.web.hosts`) whose every address is public or in a network the
operator allows (:mod:`~services.tool_runner.web.addresses`), checking each redirect again.
"""

from __future__ import annotations

from services.tool_runner.web.addresses import (
    AddressCategory,
    AddressPolicy,
    AddressRefusal,
    classify,
    parse_ip_literal,
)
from services.tool_runner.web.errors import (
    FailureReason,
    FetchError,
    FetchFailed,
    RefusalReason,
    RequestRefused,
)
from services.tool_runner.web.fetch import fetch
from services.tool_runner.web.hosts import HostAllowList, HostPattern
from services.tool_runner.web.models import FetchPolicy, HttpRequest, HttpResponse
from services.tool_runner.web.resolver import Resolver, SystemResolver

__all__ = [
    "AddressCategory",
    "AddressPolicy",
    "AddressRefusal",
    "FailureReason",
    "FetchError",
    "FetchFailed",
    "FetchPolicy",
    "HostAllowList",
    "HostPattern",
    "HttpRequest",
    "HttpResponse",
    "RefusalReason",
    "RequestRefused",
    "Resolver",
    "SystemResolver",
    "classify",
    "fetch",
    "parse_ip_literal",
]
