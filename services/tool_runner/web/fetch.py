"""An HTTP client that only reaches what a :class:`FetchPolicy` allows (no SSRF).

Each hop (the request and every redirect) is checked the same way: scheme, the tenant's host
allow-list, then every address the host resolves to. The connection goes to a checked address
itself, with the original name in ``Host`` and in TLS (SNI and certificate verification), so a
second DNS answer cannot redirect it.
"""

from __future__ import annotations

import asyncio
import contextlib
import re
from collections.abc import Iterator, Mapping

import httpx2

from services.tool_runner.web.addresses import IPAddress, parse_ip_literal, unmapped
from services.tool_runner.web.errors import (
    FailureReason,
    FetchFailed,
    RefusalReason,
    RequestRefused,
)
from services.tool_runner.web.models import FetchPolicy, HttpRequest, HttpResponse
from services.tool_runner.web.redirects import REDIRECT_STATUSES, Hop, follow
from services.tool_runner.web.resolver import Resolver, SystemResolver

METHODS = frozenset({"GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS"})
# Set by the client, not the caller: the target, the framing and the connection's own headers.
_CLIENT_HEADERS = frozenset({
    "host", "content-length", "transfer-encoding", "connection", "keep-alive",
    "proxy-connection", "te", "trailer", "upgrade", "accept-encoding"})
_TOKEN = re.compile(r"[!#$%&'*+\-.^_`|~0-9A-Za-z]+")
_FORBIDDEN_IN_VALUE = re.compile(r"[\x00-\x08\x0a-\x1f\x7f]")


async def fetch(request: HttpRequest, policy: FetchPolicy, *,
                resolver: Resolver | None = None) -> HttpResponse:
    """Send ``request`` if ``policy`` allows it and every redirect it leads to.

    Args:
        request: What to send.
        policy: Hosts, networks, schemes and limits that apply.
        resolver: Resolves host names; the system's resolver by default.

    Returns:
        The response at the end of the redirects, its body cut at
        ``policy.max_response_bytes``.

    Raises:
        RequestRefused: A hop breaks the policy; nothing was sent to that hop's target.
        FetchFailed: Resolution, connection or the server failed, or ``policy.timeout`` passed.
    """
    first = Hop(_method(request.method), _url(request.url), _headers(request.headers),
                request.body)
    try:
        async with asyncio.timeout(policy.timeout):
            return await _Fetcher(policy, resolver or SystemResolver()).run(first)
    except TimeoutError as error:
        raise FetchFailed(FailureReason.TIMEOUT,
                          f"{first.method} {first.url} took longer than {policy.timeout:g} s"
                          ) from error


class _Fetcher:
    def __init__(self, policy: FetchPolicy, resolver: Resolver) -> None:
        self._policy = policy
        self._resolver = resolver
        self._deadline = asyncio.get_running_loop().time() + policy.timeout

    async def run(self, hop: Hop) -> HttpResponse:
        redirects: list[str] = []
        # No connection is reused: each hop connects to the address it checked.
        async with httpx2.AsyncClient(trust_env=False, follow_redirects=False,
                                      limits=httpx2.Limits(max_keepalive_connections=0)) as client:
            while True:
                addresses = await self._check(hop.url)
                response = await self._send(client, hop, addresses)
                try:
                    location = response.headers.get("location", "")
                    if response.status_code not in REDIRECT_STATUSES or not location:
                        with _failures(hop.url):
                            body, truncated = await _read(response,
                                                          self._policy.max_response_bytes)
                        return HttpResponse(response.status_code, response.headers.multi_items(),
                                            body, truncated, str(hop.url), redirects)
                finally:
                    await response.aclose()
                if len(redirects) >= self._policy.max_redirects:
                    raise RequestRefused(
                        RefusalReason.TOO_MANY_REDIRECTS,
                        f"{hop.url} redirects again after {len(redirects)} redirects "
                        f"(at most {self._policy.max_redirects} are followed)")
                hop = follow(hop, response.status_code, _redirect_url(hop.url, location))
                redirects.append(str(hop.url))

    async def _check(self, url: httpx2.URL) -> list[IPAddress]:
        """The addresses ``url`` may be fetched from (all of its host's, all allowed)."""
        if url.scheme not in self._policy.allowed_schemes:
            raise RequestRefused(
                RefusalReason.SCHEME_NOT_ALLOWED,
                f"{url} uses the scheme {url.scheme!r}; allowed: "
                f"{', '.join(sorted(self._policy.allowed_schemes))}")
        if not url.raw_host:
            raise RequestRefused(RefusalReason.INVALID_URL, f"{url} names no host")
        if url.userinfo:
            raise RequestRefused(RefusalReason.INVALID_URL,
                                 f"a URL to {url.host} carries credentials; send them in a header")
        host = url.raw_host.decode("ascii")
        literal = parse_ip_literal(host)
        if literal is not None:
            self._check_address(host, literal, resolved_from=None)
        default_port = 443 if url.scheme == "https" else 80
        if not self._policy.host_allow_list.allows(host, url.port or default_port,
                                                   default_port=default_port):
            raise RequestRefused(RefusalReason.HOST_NOT_ALLOWED,
                                 f"{url.netloc.decode('ascii')} is not on the tool's allowed "
                                 "hosts")
        if literal is not None:
            return [literal]
        addresses = await self._resolve(host)
        for address in addresses:
            self._check_address(str(address), address, resolved_from=host)
        return addresses

    async def _resolve(self, host: str) -> list[IPAddress]:
        try:
            addresses = await self._resolver.resolve(host)
        except OSError as error:
            raise FetchFailed(FailureReason.DNS_FAILED,
                              f"{host} does not resolve: {error.strerror or error}") from error
        if not addresses:
            raise FetchFailed(FailureReason.DNS_FAILED, f"{host} resolves to no address")
        return addresses

    def _check_address(self, spelled: str, address: IPAddress, resolved_from: str | None) -> None:
        refusal = self._policy.address_policy.refusal(address)
        if refusal is None:
            return
        what = spelled if spelled == str(refusal.address) else f"{spelled} ({refusal.address})"
        message = (f"{what} is {refusal.phrase}" if resolved_from is None
                   else f"{resolved_from} resolves to {what}, {refusal.phrase}")
        raise RequestRefused(RefusalReason.ADDRESS_NOT_ALLOWED, message)

    async def _send(self, client: httpx2.AsyncClient, hop: Hop,
                    addresses: list[IPAddress]) -> httpx2.Response:
        """Send ``hop`` to the first of ``addresses`` that accepts a connection."""
        host = hop.url.raw_host.decode("ascii")
        headers = [*hop.headers, ("Host", hop.url.netloc.decode("ascii")),
                   ("Accept-Encoding", "identity")]
        extensions = {}
        if hop.url.scheme == "https" and parse_ip_literal(host) is None:
            extensions["sni_hostname"] = host.rstrip(".")  # TLS checks the name, not the address
        failures: list[str] = []
        for address in addresses:
            request = client.build_request(
                hop.method, hop.url.copy_with(host=str(unmapped(address))), headers=headers,
                content=hop.body or None, extensions=extensions, timeout=self._remaining())
            try:
                with _failures(hop.url):
                    return await client.send(request, stream=True)
            except httpx2.ConnectError as error:
                failures.append(f"{address}: {error}")
        raise FetchFailed(FailureReason.CONNECT_FAILED,
                          f"could not connect to {hop.url.netloc.decode('ascii')} "
                          f"({'; '.join(failures)})")

    def _remaining(self) -> float:
        return max(self._deadline - asyncio.get_running_loop().time(), 0.001)


async def _read(response: httpx2.Response, limit: int) -> tuple[bytes, bool]:
    """At most ``limit`` bytes of the body, and whether there was more."""
    body = bytearray()
    async for chunk in response.aiter_raw():
        room = limit - len(body)
        if len(chunk) > room:
            body += chunk[:room]
            return bytes(body), True
        body += chunk
    return bytes(body), False


@contextlib.contextmanager
def _failures(url: httpx2.URL) -> Iterator[None]:
    """httpx's errors as :class:`FetchFailed` (a ConnectError passes for the next address)."""
    try:
        yield
    except httpx2.ConnectError:
        raise
    except httpx2.TimeoutException as error:
        raise FetchFailed(FailureReason.TIMEOUT, f"{url.host} timed out: {error}") from error
    except httpx2.ProtocolError as error:
        raise FetchFailed(FailureReason.PROTOCOL_ERROR,
                          f"{url.host} broke the HTTP protocol: {error}") from error
    except httpx2.TransportError as error:
        raise FetchFailed(FailureReason.NETWORK_ERROR,
                          f"the connection to {url.host} failed: {error}") from error


def _method(method: str) -> str:
    upper = method.upper()
    if upper not in METHODS:
        raise RequestRefused(RefusalReason.METHOD_NOT_ALLOWED,
                             f"the method {method!r} is not allowed; allowed: "
                             f"{', '.join(sorted(METHODS))}")
    return upper


def _url(text: str) -> httpx2.URL:
    try:
        url = httpx2.URL(text)
    except httpx2.InvalidURL as error:
        raise RequestRefused(RefusalReason.INVALID_URL, f"{text!r} is not a URL: {error}"
                             ) from error
    if not url.scheme:
        raise RequestRefused(RefusalReason.INVALID_URL, f"{text!r} is not an absolute URL")
    return url


def _redirect_url(base: httpx2.URL, location: str) -> httpx2.URL:
    try:
        return base.join(location)
    except httpx2.InvalidURL as error:
        raise RequestRefused(RefusalReason.INVALID_URL,
                             f"{base} redirects to {location!r}, which is not a URL") from error


def _headers(headers: Mapping[str, str]) -> list[tuple[str, str]]:
    """The caller's headers, checked, without those the client sets."""
    kept: list[tuple[str, str]] = []
    for name, value in headers.items():
        if not _TOKEN.fullmatch(name) or _FORBIDDEN_IN_VALUE.search(value) or not value.isascii():
            raise RequestRefused(RefusalReason.INVALID_HEADER,
                                 f"the header {name!r} is not a valid HTTP header")
        if name.lower() not in _CLIENT_HEADERS:
            kept.append((name, value))
    return kept
