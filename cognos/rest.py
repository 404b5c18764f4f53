"""A minimal REST/JSON client for the Envoy transcoder (standard library only)."""

from __future__ import annotations

import json
import urllib.error
import urllib.request
from typing import Any


def call(base_url: str, method: str, path: str, body: dict[str, Any] | None = None,
         headers: dict[str, str] | None = None, timeout: float = 10.0) -> tuple[int, Any]:
    """Send one JSON request; returns (HTTP status, decoded JSON body or raw text)."""
    data = None if body is None else json.dumps(body).encode()
    return call_raw(base_url, method, path, data, headers, timeout)


def call_raw(base_url: str, method: str, path: str, data: bytes | None,
             headers: dict[str, str] | None = None, timeout: float = 10.0) -> tuple[int, Any]:
    """Send ``data`` as the JSON body as it is (even if it is not JSON)."""
    request = urllib.request.Request(base_url + path, data=data, method=method,
                                     headers={"content-type": "application/json",
                                              **(headers or {})})
    try:
        with urllib.request.urlopen(request, timeout=timeout) as response:
            status, raw = response.status, response.read()
    except urllib.error.HTTPError as error:
        status, raw = error.code, error.read()
    try:
        return status, json.loads(raw) if raw else None
    except json.JSONDecodeError:
        return status, raw.decode(errors="replace")
