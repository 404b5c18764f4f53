"""The three ways a fuzzed request reaches a service: straight to its port with a service
credential, through Envoy over gRPC with an access token, and through Envoy as REST/JSON built
from the method's ``google.api.http`` annotation."""

from __future__ import annotations

import asyncio
import functools
import re
import urllib.error
import urllib.parse
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import grpc
from google.protobuf import json_format
from google.protobuf.message import Message
from google.protobuf.message_factory import GetMessageClass
from google.rpc import error_details_pb2
from grpc_status import rpc_status

from cognos import rest
from tests.fuzz.catalog import Rpc
from tests.fuzz.names import LONE_SURROGATE
from tests.fuzz.strategies import Fuzzed, json_bytes
from tests.fuzz.values import LONG_POLL_FIELD

CALL_TIMEOUT = 10.0
ENVOY_HEADER_LIMIT = 60 * 1024  # Envoy's default max_request_headers_kb
_QUOTED_MARKER = urllib.parse.quote(LONE_SURROGATE)
_QUOTED_SURROGATE = "%ED%A0%80"  # U+D800 as UTF-8 would spell it: not UTF-8 at all
_VARIABLE = re.compile(r"\{([\w.]+)(?:=[^}]*)?\}")


@dataclass(frozen=True)
class Answer:
    """How a route answered one request.

    Attributes:
        route: ``direct``, ``envoy`` or ``rest``.
        code: The gRPC status code's name; over REST the one the JSON body names (or ``OK``).
        domain: The ErrorInfo domain of an error (``planner.cognition``), if it has one.
        http_status: Over REST, the HTTP status.
        body: Over REST, the decoded JSON body, or the text of a body that is not JSON.
        reply: Over gRPC, the response message of a call that succeeded.
    """

    route: str
    code: str
    domain: str = ""
    http_status: int = 0
    body: Any = None
    reply: Message | None = None

    def __str__(self) -> str:
        shown = f" HTTP {self.http_status} {str(self.body)[:300]}" if self.route == "rest" else ""
        return f"{self.route}: {self.code} ({self.domain or 'no ErrorInfo'}){shown}"


class GrpcRoute:
    """Sends the request's wire bytes over ``channel`` with the credential ``metadata()``
    gives."""

    def __init__(self, name: str, channel: grpc.aio.Channel,
                 metadata: Callable[[], list[tuple[str, str]]]) -> None:
        self.name = name
        self._channel = channel
        self._metadata = metadata

    async def send(self, rpc: Rpc, fuzzed: Fuzzed) -> Answer:
        call = self._channel.unary_unary(
            rpc.path, response_deserializer=GetMessageClass(rpc.response).FromString)
        try:
            reply = await call(fuzzed.wire(), metadata=self._metadata(),
                               timeout=call_timeout(fuzzed.message))
        except grpc.aio.AioRpcError as error:
            return Answer(self.name, error.code().name, _grpc_domain(error))
        return Answer(self.name, "OK", reply=reply)


def call_timeout(message: Message) -> float:
    """Seconds to wait for the answer: the ordinary budget, and a long poll's asked-for wait
    (at most a minute: a longer one is refused at once) on top."""
    if LONG_POLL_FIELD not in message.DESCRIPTOR.fields_by_name:
        return CALL_TIMEOUT
    wait = getattr(message, LONG_POLL_FIELD)
    return CALL_TIMEOUT + min(max(wait.seconds, 0), 60)


def _grpc_domain(error: grpc.aio.AioRpcError) -> str:
    status = rpc_status.from_call(error)
    for detail in status.details if status else ():
        if detail.Is(error_details_pb2.ErrorInfo.DESCRIPTOR):
            info = error_details_pb2.ErrorInfo()
            detail.Unpack(info)
            return str(info.domain)
    return ""


class RestRoute:
    """Sends the request as REST/JSON to Envoy at ``base_url`` with ``headers``."""

    name = "rest"

    def __init__(self, base_url: str, headers: dict[str, str]) -> None:
        self._base_url = base_url
        self._headers = headers

    async def send(self, rpc: Rpc, fuzzed: Fuzzed) -> Answer | None:
        """The answer; None when the method has no REST form or the request no JSON form
        (a time out of range, a field-mask path with no JSON name)."""
        built = rest_request(rpc, fuzzed.message)
        if built is None:
            return None
        verb, path, body = built
        try:
            status, reply = await asyncio.to_thread(
                rest.call_raw, self._base_url, verb, path, body, self._headers,
                call_timeout(fuzzed.message))
        except (urllib.error.URLError, ConnectionError) as error:
            if len(path) <= ENVOY_HEADER_LIMIT:
                raise
            # Envoy answers 431 to a request line past its header limit as soon as it has read
            # that much, and closes; a client still sending the rest may see the reset first.
            return Answer(self.name, "", http_status=431, body=f"reset while sending: {error}")
        if not isinstance(reply, dict):
            return Answer(self.name, "", http_status=status, body=reply)
        return Answer(self.name, _code_name(reply) if status >= 300 else "OK",
                      _json_domain(reply), status, reply)


def _code_name(reply: dict[str, Any]) -> str:
    code = reply.get("code")
    for status in grpc.StatusCode:
        if status.value[0] == code:
            return str(status.name)
    return f"code {code!r}"


def _json_domain(reply: dict[str, Any]) -> str:
    for detail in reply.get("details") or ():
        if isinstance(detail, dict) and str(detail.get("@type", "")).endswith(".ErrorInfo"):
            return str(detail.get("domain", ""))
    return ""


def rest_request(rpc: Rpc, message: Message) -> tuple[str, str, bytes | None] | None:
    """(HTTP method, path with query, JSON body) of ``message`` sent to ``rpc`` over REST."""
    rule = rpc.http
    if rule is None:
        return None
    verb = rule.WhichOneof("pattern")
    try:
        fields = json_format.MessageToDict(message)
    except (ValueError, TypeError, json_format.Error):
        return None
    bound = _VARIABLE.findall(getattr(rule, verb))
    path = _VARIABLE.sub(lambda m: _quote(str(_value(message, m.group(1))), "/"),
                         getattr(rule, verb))
    for field_path in bound:
        _drop(fields, _json_path(message, field_path))
    if rule.body == "*":
        body, query = fields, {}
    elif rule.body:
        key = _json_path(message, rule.body)[0]
        body, query = fields.pop(key, {}), fields
    else:
        body, query = None, fields
    pairs = _query_pairs(query)
    if pairs:
        path += "?" + "&".join(f"{_quote(k)}={_quote(v)}" for k, v in pairs)
    return verb.upper(), path, None if body is None else json_bytes(body)


def _quote(text: str, safe: str = "") -> str:
    return urllib.parse.quote(text, safe=safe).replace(_QUOTED_MARKER, _QUOTED_SURROGATE)


def _value(message: Message, field_path: str) -> Any:
    return functools.reduce(getattr, field_path.split("."), message)


def _json_path(message: Message, field_path: str) -> list[str]:
    names, descriptor = [], message.DESCRIPTOR
    for part in field_path.split("."):
        field = descriptor.fields_by_name[part]
        names.append(field.json_name)
        descriptor = field.message_type
    return names


def _drop(fields: dict[str, Any], path: list[str]) -> None:
    for key in path[:-1]:
        fields = fields.get(key) or {}
    fields.pop(path[-1], None)


def _query_pairs(fields: dict[str, Any], prefix: str = "") -> list[tuple[str, str]]:
    """Query parameters for ``fields``: nested messages as dotted names, lists repeated."""
    pairs: list[tuple[str, str]] = []
    for key, value in fields.items():
        name = prefix + key
        if isinstance(value, dict):
            pairs += _query_pairs(value, name + ".")
        else:
            items = value if isinstance(value, list) else [value]
            pairs += [(name, _text(v)) for v in items if not isinstance(v, dict | list)]
    return pairs


def _text(value: Any) -> str:
    return str(value).lower() if isinstance(value, bool) else str(value)
