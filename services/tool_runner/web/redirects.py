"""How a request changes when it follows a redirect, as browsers change it."""

from __future__ import annotations

import dataclasses

import httpx2

REDIRECT_STATUSES = frozenset({301, 302, 303, 307, 308})

# Headers that describe a body, dropped with it when a redirect turns the request into a GET.
_BODY_HEADERS = frozenset({"content-type", "content-encoding", "content-language",
                           "content-location", "digest", "content-digest"})
# Credentials meant for the first origin only.
_CREDENTIAL_HEADERS = frozenset({"authorization", "proxy-authorization", "cookie"})


@dataclasses.dataclass(frozen=True)
class Hop:
    """One request of a redirect chain.

    Attributes:
        method: Its method, upper case.
        url: Its URL, with the host name as asked.
        headers: The caller's headers that go with it (the client adds Host and the framing).
        body: Its body.
    """

    method: str
    url: httpx2.URL
    headers: list[tuple[str, str]]
    body: bytes


def _default_port(url: httpx2.URL) -> int:
    return 443 if url.scheme == "https" else 80


def same_site(old: httpx2.URL, new: httpx2.URL) -> bool:
    """Whether credentials sent to ``old`` may go on to ``new``: the same scheme, host and
    port, or the same host upgraded from http to https on the default ports."""
    if old.raw_host.lower().rstrip(b".") != new.raw_host.lower().rstrip(b"."):
        return False
    old_port = old.port or _default_port(old)
    new_port = new.port or _default_port(new)
    if old.scheme == new.scheme:
        return old_port == new_port
    return (old.scheme, new.scheme) == ("http", "https") and (old_port, new_port) == (80, 443)


def follow(hop: Hop, status: int, location: httpx2.URL) -> Hop:
    """The request that follows ``hop`` answered by ``status`` with ``location``.

    303 turns any method but HEAD into GET, and 301 and 302 turn POST into GET (dropping the
    body); 307 and 308 keep method and body. Credentials stay behind on another site.
    """
    method, body, headers = hop.method, hop.body, hop.headers
    if (status == 303 and method != "HEAD") or (status in (301, 302) and method == "POST"):
        method, body = "GET", b""
        headers = [(name, value) for name, value in headers
                   if name.lower() not in _BODY_HEADERS]
    if not same_site(hop.url, location):
        headers = [(name, value) for name, value in headers
                   if name.lower() not in _CREDENTIAL_HEADERS]
    return Hop(method, location, headers, body)
