"""Which IP addresses an outgoing request may reach.

Anything that is not a public unicast address is refused: loopback, private, link-local,
carrier-grade NAT, multicast, unspecified, reserved, broadcast, documentation and cloud
metadata addresses, and IPv6 addresses that carry such an IPv4 address (IPv4-mapped,
IPv4-compatible, NAT64, 6to4). Host spellings a resolver reads as numbers (``2130706433``,
``0x7f.1``, ``0177.0.0.1``, ``127.1``) are parsed the way ``inet_aton`` parses them, so they are
judged by the address they mean.
"""

from __future__ import annotations

import dataclasses
import enum
import ipaddress
import re
from collections.abc import Iterable

IPAddress = ipaddress.IPv4Address | ipaddress.IPv6Address
IPNetwork = ipaddress.IPv4Network | ipaddress.IPv6Network


class AddressCategory(enum.StrEnum):
    """The kind of a refused address (the value is the name a message uses)."""

    LOOPBACK = "loopback"
    PRIVATE = "private"
    LINK_LOCAL = "link-local"
    CARRIER_GRADE_NAT = "carrier-grade NAT"
    MULTICAST = "multicast"
    UNSPECIFIED = "unspecified"
    RESERVED = "reserved"
    BROADCAST = "broadcast"
    DOCUMENTATION = "documentation"
    CLOUD_METADATA = "cloud metadata"

    @property
    def phrase(self) -> str:
        """``"a loopback address"``, ``"an unspecified address"``."""
        article = "an" if self.value[0] in "aeiou" else "a"
        return f"{article} {self.value} address"


@dataclasses.dataclass(frozen=True)
class AddressRefusal:
    """Why ``address`` may not be reached.

    Attributes:
        address: The refused address (an IPv4-mapped IPv6 address appears as its IPv4 one).
        category: Its category, or the category of the IPv4 address it embeds.
        embedded: The IPv4 address a NAT64, 6to4 or IPv4-compatible address carries.
    """

    address: IPAddress
    category: AddressCategory
    embedded: ipaddress.IPv4Address | None = None

    @property
    def phrase(self) -> str:
        """What the address is: ``"a loopback address"`` or ``"an address that embeds
        127.0.0.1, a loopback address"``."""
        if self.embedded is None:
            return self.category.phrase
        return f"an address that embeds {self.embedded}, {self.category.phrase}"

    def __str__(self) -> str:
        return f"{self.address} is {self.phrase}"


def _networks(*cidrs: str) -> tuple[IPNetwork, ...]:
    return tuple(ipaddress.ip_network(cidr) for cidr in cidrs)


# Instance-metadata endpoints (AWS, GCP, Azure, ECS tasks, Alibaba, Oracle): refused even
# inside a network the operator allows, since they hand out the host's credentials.
CLOUD_METADATA: frozenset[IPAddress] = frozenset(ipaddress.ip_address(text) for text in (
    "169.254.169.254", "169.254.170.2", "100.100.100.200", "192.0.0.192", "fd00:ec2::254"))

# Checked in order: a more specific range comes before the range that contains it.
_IPV4_RANGES: tuple[tuple[IPNetwork, AddressCategory], ...] = (
    *((net, AddressCategory.UNSPECIFIED) for net in _networks("0.0.0.0/8")),
    *((net, AddressCategory.PRIVATE) for net in _networks(
        "10.0.0.0/8", "172.16.0.0/12", "192.168.0.0/16")),
    *((net, AddressCategory.CARRIER_GRADE_NAT) for net in _networks("100.64.0.0/10")),
    *((net, AddressCategory.LOOPBACK) for net in _networks("127.0.0.0/8")),
    *((net, AddressCategory.LINK_LOCAL) for net in _networks("169.254.0.0/16")),
    *((net, AddressCategory.DOCUMENTATION) for net in _networks(
        "192.0.2.0/24", "198.51.100.0/24", "203.0.113.0/24")),
    # IETF protocol assignments, the 6to4 relay anycast, benchmarking.
    *((net, AddressCategory.RESERVED) for net in _networks(
        "192.0.0.0/24", "192.88.99.0/24", "198.18.0.0/15")),
    *((net, AddressCategory.MULTICAST) for net in _networks("224.0.0.0/4")),
    *((net, AddressCategory.BROADCAST) for net in _networks("255.255.255.255/32")),
    *((net, AddressCategory.RESERVED) for net in _networks("240.0.0.0/4")),
)

_IPV6_RANGES: tuple[tuple[IPNetwork, AddressCategory], ...] = (
    *((net, AddressCategory.UNSPECIFIED) for net in _networks("::/128")),
    *((net, AddressCategory.LOOPBACK) for net in _networks("::1/128")),
    # Unique local, deprecated site-local, local-use NAT64.
    *((net, AddressCategory.PRIVATE) for net in _networks(
        "fc00::/7", "fec0::/10", "64:ff9b:1::/48")),
    *((net, AddressCategory.LINK_LOCAL) for net in _networks("fe80::/10")),
    *((net, AddressCategory.MULTICAST) for net in _networks("ff00::/8")),
    *((net, AddressCategory.DOCUMENTATION) for net in _networks("2001:db8::/32", "3fff::/20")),
    # IETF protocol assignments (Teredo, benchmarking, ORCHID), discard-only.
    *((net, AddressCategory.RESERVED) for net in _networks("2001::/23", "100::/64")),
)

_GLOBAL_UNICAST = ipaddress.IPv6Network("2000::/3")
_IPV4_COMPATIBLE = ipaddress.IPv6Network("::/96")
_NAT64 = ipaddress.IPv6Network("64:ff9b::/96")
_SIX_TO_FOUR = ipaddress.IPv6Network("2002::/16")


def unmapped(address: IPAddress) -> IPAddress:
    """The IPv4 address an IPv4-mapped IPv6 address (``::ffff:a.b.c.d``) stands for, else
    ``address`` itself: both reach the same host."""
    if isinstance(address, ipaddress.IPv6Address) and address.ipv4_mapped is not None:
        return address.ipv4_mapped
    return address


def _embedded_ipv4(address: ipaddress.IPv6Address) -> ipaddress.IPv4Address | None:
    if address in _IPV4_COMPATIBLE or address in _NAT64:
        return ipaddress.IPv4Address(int(address) & 0xFFFFFFFF)
    if address in _SIX_TO_FOUR:
        return ipaddress.IPv4Address((int(address) >> 80) & 0xFFFFFFFF)
    return None


def _ipv4_category(address: ipaddress.IPv4Address) -> AddressCategory | None:
    if address in CLOUD_METADATA:
        return AddressCategory.CLOUD_METADATA
    return next((category for net, category in _IPV4_RANGES if address in net), None)


def classify(address: IPAddress) -> AddressRefusal | None:
    """Why ``address`` is refused, or None for a public unicast address.

    Operator-allowed networks are not consulted; :class:`AddressPolicy` does that.
    """
    address = unmapped(address)
    if isinstance(address, ipaddress.IPv4Address):
        category = _ipv4_category(address)
        return None if category is None else AddressRefusal(address, category)
    if address in CLOUD_METADATA:
        return AddressRefusal(address, AddressCategory.CLOUD_METADATA)
    for net, category in _IPV6_RANGES:
        if address in net:
            return AddressRefusal(address, category)
    embedded = _embedded_ipv4(address)
    if embedded is not None:
        category = _ipv4_category(embedded)
        if category is not None:
            return AddressRefusal(address, category, embedded)
        if address in _IPV4_COMPATIBLE:  # deprecated (RFC 4291): nothing routes it
            return AddressRefusal(address, AddressCategory.RESERVED)
        return None
    if address not in _GLOBAL_UNICAST:
        return AddressRefusal(address, AddressCategory.RESERVED)
    return None


def parse_networks(cidrs: Iterable[str]) -> tuple[IPNetwork, ...]:
    """CIDRs such as ``10.1.2.0/24`` or ``127.0.0.2/32`` (a bare address means /32 or /128).

    Raises:
        ValueError: For text that is not a network, or one with host bits set.
    """
    return tuple(ipaddress.ip_network(cidr.strip()) for cidr in cidrs)


class AddressPolicy:
    """The addresses a request may reach: public unicast ones plus the operator's networks.

    An operator's network lets through any refused category (an internal API's
    ``10.1.2.0/24``, a test server on ``127.0.0.2/32``) except cloud metadata addresses,
    which stay refused.

    Args:
        allowed_networks: CIDRs the operator allows although they are not public.

    Raises:
        ValueError: When a CIDR does not parse.
    """

    def __init__(self, allowed_networks: Iterable[str] = ()) -> None:
        self.allowed_networks = parse_networks(allowed_networks)

    def refusal(self, address: IPAddress) -> AddressRefusal | None:
        """Why ``address`` may not be reached, or None when it may."""
        refusal = classify(address)
        if refusal is None or refusal.category is AddressCategory.CLOUD_METADATA:
            return refusal
        reached = unmapped(address)
        if any(reached in net for net in self.allowed_networks):
            return None
        return refusal


_LEGACY_PART = re.compile(r"0[xX][0-9a-fA-F]+|0[0-7]*|[1-9][0-9]*")


def _legacy_ipv4(text: str) -> ipaddress.IPv4Address | None:
    """``inet_aton``'s reading: one to four parts, each decimal, octal (leading 0) or hex
    (0x); the last part fills the bytes the others leave."""
    parts = text.split(".")
    if len(parts) > 4 or not all(_LEGACY_PART.fullmatch(part) for part in parts):
        return None
    values = []
    for part in parts:
        if part[:2].lower() == "0x":
            values.append(int(part[2:], 16))
        elif part.startswith("0"):
            values.append(int(part, 8))
        else:
            values.append(int(part))
    *leading, last = values
    if any(value > 0xFF for value in leading) or last >= 1 << (8 * (5 - len(values))):
        return None
    number = last
    for index, value in enumerate(leading):
        number |= value << (8 * (3 - index))
    return ipaddress.IPv4Address(number)


def parse_ip_literal(host: str) -> IPAddress | None:
    """The address ``host`` spells, or None when it is a name.

    Accepts IPv6 with or without brackets (and a zone), dotted IPv4 and the legacy numeric
    forms a resolver accepts (``2130706433``, ``0x7f000001``, ``017700000001``, ``127.1``,
    ``0x7f.0.0.1``); one trailing dot is ignored.
    """
    text = host.strip()
    if text.startswith("[") and text.endswith("]"):
        text = text[1:-1]
    if ":" in text:
        try:
            return ipaddress.IPv6Address(text)
        except ValueError:
            return None
    if text.endswith("."):
        text = text[:-1]
    return _legacy_ipv4(text) if text else None
