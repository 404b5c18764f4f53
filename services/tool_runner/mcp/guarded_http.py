"""HTTP to a streamable HTTP MCP server behind the SSRF guard: the URL's host is resolved
once, every address it resolves to must be one the guard's policy allows, and the connection
goes to that vetted address (TLS still checks the certificate against the host's name), so
a second resolution cannot point it elsewhere."""

from __future__ import annotations

import asyncio
import urllib.parse

import httpx2

from services.tool_runner.web.addresses import (
    AddressPolicy,
    IPAddress,
    parse_ip_literal,
    unmapped,
)
from services.tool_runner.web.resolver import Resolver, SystemResolver
from shared.errors import FailedPrecondition

RESOLVE_SECONDS = 10.0
_DEFAULT_PORTS = {"http": 80, "https": 443}


async def vetted_address(url: str, policy: AddressPolicy, resolver: Resolver | None = None
                         ) -> IPAddress:
    """The address to reach ``url``'s host at: the first it resolves to, once every one of
    them is allowed by ``policy`` (the SSRF guard's address rules).

    Raises:
        FailedPrecondition: ``MCP_SERVER_REFUSED`` when the URL is not http(s) or an address
            is refused; ``MCP_SERVER_UNREACHABLE`` when the name does not resolve.
    """
    parts = urllib.parse.urlsplit(url)
    host = parts.hostname or ""
    if parts.scheme not in _DEFAULT_PORTS or not host:
        raise FailedPrecondition(f"{url!r} is not an http(s) URL", reason="MCP_SERVER_REFUSED")
    literal = parse_ip_literal(host)
    addresses = [literal] if literal is not None else await _resolve(
        host, resolver or SystemResolver())
    for address in addresses:
        refusal = policy.refusal(address)
        if refusal is not None:
            spelled = host if literal is not None else f"{host} resolves to {address}, which"
            raise FailedPrecondition(
                f"the MCP server's address is refused: {spelled} is {refusal.phrase}",
                reason="MCP_SERVER_REFUSED", metadata={"host": host})
    return unmapped(addresses[0])


async def _resolve(host: str, resolver: Resolver) -> list[IPAddress]:
    try:
        async with asyncio.timeout(RESOLVE_SECONDS):
            found = await resolver.resolve(host)
    except (OSError, TimeoutError) as error:
        raise FailedPrecondition(f"the MCP server's host {host} does not resolve: {error}",
                                 reason="MCP_SERVER_UNREACHABLE",
                                 metadata={"host": host}) from error
    if not found:
        raise FailedPrecondition(f"the MCP server's host {host} has no address",
                                 reason="MCP_SERVER_UNREACHABLE", metadata={"host": host})
    return found


class PinnedTransport(httpx2.AsyncBaseTransport):
    """Sends every request for ``host`` to ``address`` (and refuses any other host).

    Args:
        host: The URL's host name, as the requests name it.
        address: The vetted address to connect to.
    """

    def __init__(self, host: str, address: IPAddress) -> None:
        self._host = host.lower().rstrip(".")
        self._address = str(address)
        self._inner = httpx2.AsyncHTTPTransport(trust_env=False)

    async def handle_async_request(self, request: httpx2.Request) -> httpx2.Response:
        if request.url.host.lower().rstrip(".") != self._host:
            raise httpx2.ConnectError(
                f"{request.url.host} is not the MCP server's host", request=request)
        if request.url.scheme == "https":
            request.extensions = {**request.extensions, "sni_hostname": self._host}
        # The Host header keeps the name; only the connection goes to the vetted address.
        request.url = request.url.copy_with(host=self._address)
        return await self._inner.handle_async_request(request)

    async def aclose(self) -> None:
        await self._inner.aclose()


def pinned_client(url: str, address: IPAddress, *, timeout: float) -> httpx2.AsyncClient:
    """An HTTP client for the MCP server at ``url`` that connects only to ``address``, with no
    proxies from the environment, following no redirects of its own."""
    host = urllib.parse.urlsplit(url).hostname or ""
    return httpx2.AsyncClient(transport=PinnedTransport(host, address), trust_env=False,
                              follow_redirects=False,
                              timeout=httpx2.Timeout(timeout, read=max(timeout, 300.0)))
