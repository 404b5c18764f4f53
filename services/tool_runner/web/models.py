"""What :func:`services.tool_runner.web.fetch.fetch` takes and returns."""

from __future__ import annotations

import dataclasses
from collections.abc import Mapping, Sequence

from services.tool_runner.web.addresses import AddressPolicy
from services.tool_runner.web.hosts import HostAllowList

DEFAULT_MAX_RESPONSE_BYTES = 1 << 20


@dataclasses.dataclass(frozen=True)
class HttpRequest:
    """One outgoing HTTP request.

    ``Host``, the framing headers (``Content-Length``, ``Transfer-Encoding``), hop-by-hop
    headers and ``Accept-Encoding`` are the client's to set; values given for them are ignored.
    """

    method: str
    url: str
    headers: Mapping[str, str] = dataclasses.field(default_factory=dict)
    body: bytes = b""


@dataclasses.dataclass(frozen=True)
class HttpResponse:
    """The response at the end of the redirects.

    Attributes:
        status: Its status code.
        headers: Its headers in order, names in lower case, repeated names kept.
        body: Its body as sent (the client asks for the identity encoding), at most the
            policy's ``max_response_bytes``.
        truncated: Whether the body was longer and was cut.
        final_url: The URL that answered, with the host name it was asked by.
        redirects: The URLs followed, in order (empty without redirects).
    """

    status: int
    headers: list[tuple[str, str]]
    body: bytes
    truncated: bool
    final_url: str
    redirects: list[str]

    def header(self, name: str) -> str | None:
        """The first value of header ``name`` (any case), or None."""
        wanted = name.lower()
        return next((value for key, value in self.headers if key == wanted), None)


@dataclasses.dataclass(frozen=True)
class FetchPolicy:
    """Where a request may go and how much it may take.

    Attributes:
        allowed_hosts: Allow-list entries (see :mod:`services.tool_runner.web.hosts`); empty
            allows no host.
        allowed_networks: CIDRs the operator allows although they are not public (see
            :class:`services.tool_runner.web.addresses.AddressPolicy`).
        max_response_bytes: Bytes of body kept; the rest is not read.
        timeout: Seconds for the whole fetch, every redirect and name resolution included.
        max_redirects: Redirects followed; one more is refused.
        allowed_schemes: URL schemes allowed, a subset of ``http`` and ``https``.

    Raises:
        ValueError: When an entry, a CIDR or a limit is invalid.
    """

    allowed_hosts: Sequence[str]
    allowed_networks: Sequence[str] = ()
    max_response_bytes: int = DEFAULT_MAX_RESPONSE_BYTES
    timeout: float = 10.0
    max_redirects: int = 5
    allowed_schemes: frozenset[str] = frozenset({"http", "https"})
    host_allow_list: HostAllowList = dataclasses.field(init=False, repr=False, compare=False)
    address_policy: AddressPolicy = dataclasses.field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        if isinstance(self.allowed_hosts, str) or isinstance(self.allowed_networks, str):
            raise ValueError("allowed_hosts and allowed_networks are lists, not one string")
        if self.max_response_bytes < 0:
            raise ValueError("max_response_bytes must not be negative")
        if self.timeout <= 0:
            raise ValueError("timeout must be positive")
        if self.max_redirects < 0:
            raise ValueError("max_redirects must not be negative")
        if not self.allowed_schemes <= {"http", "https"}:
            raise ValueError("allowed_schemes may hold only http and https")
        object.__setattr__(self, "host_allow_list", HostAllowList(self.allowed_hosts))
        object.__setattr__(self, "address_policy", AddressPolicy(self.allowed_networks))
