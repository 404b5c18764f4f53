"""A tenant's allow-list of hosts an HTTP tool may reach.

Grammar of an entry: ``host[:port]``, where host is a name (``api.example.com``), a wildcard
(``*.example.com``: any subdomain, not the apex) or an IP address (``203.0.113.7``,
``[2001:db8::1]``). Names compare case-insensitively, without a trailing dot, in their IDNA
(punycode) form. Without a port an entry allows the scheme's default port only.
"""

from __future__ import annotations

import dataclasses
import re
from collections.abc import Iterable

import idna

from services.tool_runner.web.addresses import parse_ip_literal

_LABEL = re.compile(r"[a-z0-9_](?:[a-z0-9_-]{0,61}[a-z0-9_])?")


def normalize_host(host: str) -> str:
    """``host`` as allow-lists compare it: an IP address in its canonical form, a name in
    lower case, IDNA-encoded, without a trailing dot.

    Raises:
        ValueError: When ``host`` is neither a valid name nor an IP address.
    """
    address = parse_ip_literal(host)
    if address is not None:
        return str(address)
    name = host.strip().lower()
    if name.endswith("."):
        name = name[:-1]
    if not name.isascii():
        try:
            name = idna.encode(name, uts46=True).decode("ascii")
        except idna.IDNAError as error:
            raise ValueError(f"{host!r} is not a valid host name: {error}") from error
    labels = name.split(".")
    if len(name) > 253 or not all(_LABEL.fullmatch(label) for label in labels):
        raise ValueError(f"{host!r} is not a valid host name")
    return name


def _split_port(entry: str) -> tuple[str, int | None]:
    if entry.startswith("["):
        host, bracket, rest = entry[1:].partition("]")
        if not bracket or (rest and not rest.startswith(":")):
            raise ValueError(f"{entry!r} is not host[:port]")
        return host, _port(entry, rest[1:]) if rest else None
    if entry.count(":") == 1:
        host, _, port = entry.partition(":")
        return host, _port(entry, port)
    return entry, None  # a name, or an IPv6 address without a port


def _port(entry: str, text: str) -> int:
    if not text.isdigit() or not 0 < int(text) < 65536:
        raise ValueError(f"{entry!r} has no valid port")
    return int(text)


@dataclasses.dataclass(frozen=True)
class HostPattern:
    """One allow-list entry.

    Attributes:
        host: The normalised name, IP address or, for a wildcard, the suffix after ``*.``.
        wildcard: Whether it matches the subdomains of ``host`` (at any depth).
        port: The one port it allows; None allows the scheme's default port.
    """

    host: str
    wildcard: bool = False
    port: int | None = None

    @classmethod
    def parse(cls, entry: str) -> HostPattern:
        """Read ``api.example.com``, ``*.example.com:8443``, ``[2001:db8::1]:8080``...

        Raises:
            ValueError: For an entry outside the grammar.
        """
        host, port = _split_port(entry.strip())
        wildcard = host.startswith("*.")
        if wildcard:
            host = host[2:]
        if not host or "*" in host:
            raise ValueError(f"{entry!r}: '*' may only stand for the leftmost labels ('*.name')")
        normalized = normalize_host(host)
        if wildcard and parse_ip_literal(normalized) is not None:
            raise ValueError(f"{entry!r}: a wildcard needs a name, not an address")
        return cls(normalized, wildcard, port)

    def matches(self, host: str, port: int, *, default_port: int) -> bool:
        """Whether the normalised ``host`` on ``port`` is allowed."""
        if port != (default_port if self.port is None else self.port):
            return False
        if self.wildcard:
            return host.endswith("." + self.host) and parse_ip_literal(host) is None
        return host == self.host


class HostAllowList:
    """The hosts one tenant's HTTP tools may reach; an empty list allows none.

    Args:
        entries: Allow-list entries in the grammar of this module.

    Raises:
        ValueError: When an entry does not parse.
    """

    def __init__(self, entries: Iterable[str]) -> None:
        self.patterns = tuple(HostPattern.parse(entry) for entry in entries)

    def allows(self, host: str, port: int, *, default_port: int) -> bool:
        """Whether ``host`` (as a URL spells it) on ``port`` is on the list."""
        try:
            normalized = normalize_host(host)
        except ValueError:
            return False
        return any(pattern.matches(normalized, port, default_port=default_port)
                   for pattern in self.patterns)
