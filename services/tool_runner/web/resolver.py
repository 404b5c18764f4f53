"""How host names become addresses: the seam tests replace."""

from __future__ import annotations

import asyncio
import ipaddress
import socket
from typing import Protocol

from services.tool_runner.web.addresses import IPAddress


class Resolver(Protocol):
    """Turns a host name into every address it resolves to."""

    async def resolve(self, host: str) -> list[IPAddress]:
        """All of ``host``'s addresses, in the order to try them.

        Raises:
            OSError: When the name does not resolve.
        """
        ...


class SystemResolver:
    """The operating system's resolver (``getaddrinfo`` on the event loop's executor)."""

    async def resolve(self, host: str) -> list[IPAddress]:
        """All of ``host``'s addresses, duplicates dropped, in the system's order."""
        answers = await asyncio.get_running_loop().getaddrinfo(
            host, None, type=socket.SOCK_STREAM)
        addresses: list[IPAddress] = []
        for _family, _type, _proto, _name, sockaddr in answers:
            address = ipaddress.ip_address(str(sockaddr[0]))
            if address not in addresses:
                addresses.append(address)
        return addresses
