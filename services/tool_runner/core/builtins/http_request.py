"""``http_request`` and tenants' declarative HTTP tools: HTTP calls behind the SSRF guard, to
the hosts the tenant allows."""

from __future__ import annotations

import dataclasses
import datetime as dt
import json
import urllib.parse
from collections.abc import Sequence
from typing import Any

from services.tool_runner.core.builtins.base import BuiltinSpec, json_output
from services.tool_runner.core.execution import ToolCall, ToolResult
from services.tool_runner.web import (
    FetchFailed,
    FetchPolicy,
    HttpRequest,
    HttpResponse,
    RequestRefused,
    fetch,
)

MAX_BODY = 1048576


@dataclasses.dataclass(frozen=True)
class HttpLimits:
    """What every HTTP call of the tool-runner may do."""

    allowed_networks: Sequence[str] = ()
    max_response_bytes: int = 1048576
    max_redirects: int = 5


def _response(response: HttpResponse) -> ToolResult:
    body = response.body.decode("utf-8", errors="replace")
    result = json_output({"status": response.status, "headers": dict(response.headers),
                          "body": body, "truncated": response.truncated,
                          "final_url": response.final_url})
    return dataclasses.replace(result, exit_code=response.status,
                               output_truncated=response.truncated)


async def guarded_fetch(request: HttpRequest, allowed_hosts: Sequence[str],
                        limits: HttpLimits, timeout: dt.timedelta) -> ToolResult:
    """``request`` through the SSRF guard: the response as the run's JSON output, or the
    refusal or failure as a failed run naming why."""
    policy = FetchPolicy(allowed_hosts=list(allowed_hosts),
                         allowed_networks=list(limits.allowed_networks),
                         max_response_bytes=limits.max_response_bytes,
                         timeout=timeout.total_seconds(), max_redirects=limits.max_redirects)
    try:
        response = await fetch(request, policy)
    except RequestRefused as refused:
        return ToolResult.failed(f"refused ({refused.reason}): {refused.message}")
    except FetchFailed as failure:
        return ToolResult.failed(f"failed ({failure.reason}): {failure.message}")
    return _response(response)


class HttpRequestTool:
    """The ``http_request`` built-in; the hosts it may reach are its registry entry's
    ``allowed_hosts`` in each tenant (none until the tenant allows some)."""

    spec = BuiltinSpec(
        name="http_request", display_name="HTTP request",
        description=("Calls an HTTP(S) URL on a host the tenant allows and returns the status, "
                     "headers and body (cut at 1 MiB). Private and internal addresses are "
                     "refused."),
        input_schema={"type": "object", "required": ["url"],
                      "properties": {
                          "url": {"type": "string", "minLength": 1, "maxLength": 2048},
                          "method": {"enum": ["GET", "POST", "PUT", "PATCH", "DELETE", "HEAD"]},
                          "headers": {"type": "object"},
                          "body": {"type": "string", "maxLength": MAX_BODY}}},
        output_schema={"type": "object", "properties": {"status": {"type": "integer"},
                                                        "body": {"type": "string"}}},
        timeout=dt.timedelta(seconds=30), idempotent=False)

    def __init__(self, limits: HttpLimits) -> None:
        self._limits = limits

    async def run(self, call: ToolCall) -> ToolResult:
        arguments: dict[str, Any] = call.input
        headers = {str(k): str(v) for k, v in (arguments.get("headers") or {}).items()}
        request = HttpRequest(method=arguments.get("method", "GET"), url=arguments["url"],
                              headers=headers, body=arguments.get("body", "").encode())
        return await guarded_fetch(request, call.tool.allowed_hosts, self._limits, call.timeout)


class DeclarativeHttp:
    """Tenants' HTTP tools: the input goes to the entrypoint URL as JSON (as the query string
    for GET and DELETE); the entrypoint's host is allowed along with the tool's
    ``allowed_hosts``."""

    def __init__(self, limits: HttpLimits) -> None:
        self._limits = limits

    async def execute(self, call: ToolCall) -> ToolResult:
        tool = call.tool
        method = tool.http_method or "POST"
        url, body = tool.entrypoint, b""
        headers = {"accept": "application/json"}
        if method in ("GET", "DELETE"):
            if isinstance(call.input, dict) and call.input:
                query = urllib.parse.urlencode(
                    {k: v if isinstance(v, str) else json.dumps(v) for k, v in call.input.items()})
                url += ("&" if "?" in url else "?") + query
        else:
            body = json.dumps(call.input).encode()
            headers["content-type"] = "application/json"
        host = urllib.parse.urlsplit(tool.entrypoint).netloc
        return await guarded_fetch(HttpRequest(method=method, url=url, headers=headers,
                                               body=body),
                                   [host, *tool.allowed_hosts], self._limits, call.timeout)
