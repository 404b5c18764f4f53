"""The tool-runner's HTTP client refuses what SSRF needs and fetches what the policy allows.

Requests go to real HTTP/1.1 servers on 127.0.0.2, which the policies allow through
``allowed_networks=["127.0.0.2/32"]`` while the rest of 127/8 stays refused. Every socket
``connect`` is recorded, and any to a non-loopback address fails, so no test reaches past
this machine and each refusal can show that nothing was contacted.
"""

from __future__ import annotations

import asyncio
import dataclasses
import datetime as dt
import ipaddress
import socket
import ssl
import time
from collections.abc import AsyncIterator, Awaitable, Callable, Sequence
from pathlib import Path
from typing import Any

import pytest
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID
from hypothesis import given
from hypothesis import strategies as st

from services.tool_runner.web import (
    AddressCategory,
    AddressPolicy,
    FetchFailed,
    FetchPolicy,
    HostAllowList,
    HostPattern,
    HttpRequest,
    RequestRefused,
    SystemResolver,
    classify,
    fetch,
    parse_ip_literal,
)
from services.tool_runner.web.addresses import IPAddress

SERVER_HOST = "127.0.0.2"
TEST_NETWORKS = ["127.0.0.2/32"]


# --- a local HTTP/1.1 server ------------------------------------------------------------------

@dataclasses.dataclass
class Seen:
    """A request the test server received."""

    method: str
    path: str
    headers: dict[str, str]
    body: bytes


Reply = tuple[int, list[tuple[str, str]], bytes]
Handler = Callable[[Seen], Awaitable[Reply]]


class LocalServer:
    """Answers each request with its path's handler (404 for others), one per connection."""

    def __init__(self) -> None:
        self.routes: dict[str, Handler] = {}
        self.seen: list[Seen] = []
        self.port = 0
        self._tasks: set[asyncio.Task[Any]] = set()
        self._server: asyncio.Server | None = None

    async def start(self, ssl_context: ssl.SSLContext | None = None) -> None:
        self._server = await asyncio.start_server(self._serve, SERVER_HOST, 0, ssl=ssl_context)
        self.port = self._server.sockets[0].getsockname()[1]

    async def close(self) -> None:
        assert self._server is not None
        self._server.close()
        for task in list(self._tasks):
            task.cancel()
        await self._server.wait_closed()

    def route(self, path: str, status: int = 200, headers: Sequence[tuple[str, str]] = (),
              body: bytes = b"") -> None:
        async def reply(_: Seen) -> Reply:
            return status, list(headers), body
        self.routes[path] = reply

    def paths(self) -> list[str]:
        return [seen.path for seen in self.seen]

    async def _serve(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        task = asyncio.current_task()
        assert task is not None
        self._tasks.add(task)
        try:
            head = (await reader.readuntil(b"\r\n\r\n")).decode("latin-1").split("\r\n")
            method, path, _ = head[0].split(" ", 2)
            headers = {}
            for line in head[1:]:
                if line:
                    name, _, value = line.partition(":")
                    headers[name.strip().lower()] = value.strip()
            body = await reader.readexactly(int(headers.get("content-length", "0")))
            seen = Seen(method, path, headers, body)
            self.seen.append(seen)
            handler = self.routes.get(path)
            status, reply_headers, reply_body = (
                await handler(seen) if handler else (404, [], b"not found"))
            lines = [f"HTTP/1.1 {status} Test", f"Content-Length: {len(reply_body)}",
                     "Connection: close", *(f"{name}: {value}" for name, value in reply_headers)]
            writer.write(("\r\n".join(lines) + "\r\n\r\n").encode("latin-1") + reply_body)
            await writer.drain()
        except (asyncio.IncompleteReadError, ConnectionError, ssl.SSLError):
            pass
        finally:
            writer.close()
            self._tasks.discard(task)


class StaticResolver:
    """Answers from a table; each name may get a different answer each time it is asked."""

    def __init__(self, answers: dict[str, list[list[str]]]) -> None:
        self._answers = answers
        self.asked: list[str] = []

    @classmethod
    def of(cls, **answers: list[str]) -> StaticResolver:
        return cls({name.replace("_", "."): [addresses] for name, addresses in answers.items()})

    async def resolve(self, host: str) -> list[IPAddress]:
        self.asked.append(host)
        if host not in self._answers:
            raise socket.gaierror(socket.EAI_NONAME, "Name or service not known")
        answers = self._answers[host]
        current = answers.pop(0) if len(answers) > 1 else answers[0]
        return [ipaddress.ip_address(address) for address in current]


@pytest.fixture(autouse=True)
def connections(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """Every address a socket connected to; connecting beyond loopback fails."""
    attempts: list[str] = []
    original = socket.socket.connect

    def connect(self: socket.socket, address: Any) -> None:
        host = str(address[0]) if isinstance(address, tuple) else str(address)
        attempts.append(host)
        if not ipaddress.ip_address(host.partition("%")[0]).is_loopback:
            raise ConnectionRefusedError(f"the tests reach loopback only, not {host}")
        original(self, address)

    monkeypatch.setattr(socket.socket, "connect", connect)
    return attempts


@pytest.fixture
async def server() -> AsyncIterator[LocalServer]:
    local = LocalServer()
    await local.start()
    yield local
    await local.close()


def api(server: LocalServer, path: str = "/", host: str = "api.test") -> str:
    return f"http://{host}:{server.port}{path}"


def policy_for(server: LocalServer, *hosts: str, **limits: Any) -> FetchPolicy:
    return FetchPolicy([f"{host}:{server.port}" for host in hosts or ("api.test",)],
                       TEST_NETWORKS, **limits)


def resolver() -> StaticResolver:
    return StaticResolver.of(api_test=[SERVER_HOST], other_test=[SERVER_HOST])


async def refused(request: HttpRequest, policy: FetchPolicy,
                  resolver: StaticResolver | SystemResolver | None = None) -> RequestRefused:
    with pytest.raises(RequestRefused) as caught:
        await fetch(request, policy, resolver=resolver)
    return caught.value


# --- allowed requests -------------------------------------------------------------------------

async def test_an_allowed_request_returns_status_headers_and_body(
        server: LocalServer, connections: list[str]) -> None:
    server.route("/echo", 201, [("X-Reply", "1"), ("X-Reply", "2")], b"created")
    names = resolver()

    response = await fetch(
        HttpRequest("post", api(server, "/echo"), {"X-Tool": "t1", "Host": "evil.test"}, b"{}"),
        policy_for(server), resolver=names)

    assert (response.status, response.body, response.truncated) == (201, b"created", False)
    assert [value for name, value in response.headers if name == "x-reply"] == ["1", "2"]
    assert response.header("Content-Length") == "7"
    assert (response.final_url, response.redirects) == (api(server, "/echo"), [])
    [seen] = server.seen
    assert (seen.method, seen.body, seen.headers["x-tool"]) == ("POST", b"{}", "t1")
    assert seen.headers["host"] == f"api.test:{server.port}"
    assert seen.headers["accept-encoding"] == "identity"
    assert names.asked == ["api.test"]
    assert connections == [SERVER_HOST]


async def test_an_allowed_address_literal_is_fetched(server: LocalServer) -> None:
    server.route("/", body=b"ok")
    response = await fetch(HttpRequest("GET", api(server, host=SERVER_HOST)),
                           policy_for(server, SERVER_HOST))
    assert (response.status, response.body) == (200, b"ok")


async def test_the_next_address_is_tried_when_one_refuses_the_connection(
        server: LocalServer, connections: list[str]) -> None:
    server.route("/", body=b"ok")
    names = StaticResolver.of(api_test=["127.0.0.3", SERVER_HOST])
    policy = FetchPolicy([f"api.test:{server.port}"], ["127.0.0.2/31"])
    response = await fetch(HttpRequest("GET", api(server)), policy, resolver=names)
    assert response.body == b"ok"
    assert connections == ["127.0.0.3", SERVER_HOST]


async def test_the_connection_goes_to_the_checked_address_not_a_second_answer(
        server: LocalServer, connections: list[str]) -> None:
    server.route("/", body=b"ok")
    rebinding = StaticResolver({"api.test": [[SERVER_HOST], ["127.0.0.1"]]})

    response = await fetch(HttpRequest("GET", api(server)), policy_for(server), resolver=rebinding)

    assert response.body == b"ok"
    assert (rebinding.asked, connections) == (["api.test"], [SERVER_HOST])
    error = await refused(HttpRequest("GET", api(server)), policy_for(server), rebinding)
    assert error.reason == "ADDRESS_NOT_ALLOWED"
    assert connections == [SERVER_HOST]


async def test_https_connects_to_the_address_and_verifies_the_name(
        server: LocalServer, tmp_path: Path, connections: list[str]) -> None:
    names_offered: list[str | None] = []
    tls = LocalServer()
    await tls.start(_self_signed_context(tmp_path, names_offered))
    try:
        with pytest.raises(FetchFailed) as caught:
            await fetch(HttpRequest("GET", f"https://api.test:{tls.port}/"),
                        FetchPolicy([f"api.test:{tls.port}"], TEST_NETWORKS), resolver=resolver())
    finally:
        await tls.close()
    # The handshake named api.test to 127.0.0.2 and the untrusted certificate was rejected.
    assert caught.value.reason == "CONNECT_FAILED"
    assert (names_offered, connections, tls.seen) == (["api.test"], [SERVER_HOST], [])


def _self_signed_context(directory: Path, names_offered: list[str | None]) -> ssl.SSLContext:
    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "api.test")])
    now = dt.datetime.now(dt.UTC)
    certificate = (
        x509.CertificateBuilder().subject_name(name).issuer_name(name)
        .public_key(key.public_key()).serial_number(x509.random_serial_number())
        .not_valid_before(now - dt.timedelta(minutes=1))
        .not_valid_after(now + dt.timedelta(hours=1))
        .add_extension(x509.SubjectAlternativeName([x509.DNSName("api.test")]), critical=False)
        .sign(key, hashes.SHA256()))
    (directory / "cert.pem").write_bytes(certificate.public_bytes(serialization.Encoding.PEM))
    (directory / "key.pem").write_bytes(key.private_bytes(
        serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
        serialization.NoEncryption()))
    context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    context.load_cert_chain(directory / "cert.pem", directory / "key.pem")

    def record(_socket: Any, server_name: str | None, _context: Any) -> None:
        names_offered.append(server_name)

    context.sni_callback = record
    return context


# --- refused addresses ------------------------------------------------------------------------

@pytest.mark.parametrize(("host", "message"), [
    ("127.0.0.1", "127.0.0.1 is a loopback address"),
    ("169.254.169.254", "169.254.169.254 is a cloud metadata address"),
    ("100.100.100.200", "100.100.100.200 is a cloud metadata address"),
    ("[fd00:ec2::254]", "fd00:ec2::254 is a cloud metadata address"),
    ("10.0.0.1", "10.0.0.1 is a private address"),
    ("172.16.0.1", "172.16.0.1 is a private address"),
    ("192.168.1.1", "192.168.1.1 is a private address"),
    ("100.64.0.1", "100.64.0.1 is a carrier-grade NAT address"),
    ("169.254.1.1", "169.254.1.1 is a link-local address"),
    ("[fe80::1]", "fe80::1 is a link-local address"),
    ("[fd12:3456::1]", "fd12:3456::1 is a private address"),
    ("0.0.0.0", "0.0.0.0 is an unspecified address"),
    ("[::]", ":: is an unspecified address"),
    ("224.0.0.1", "224.0.0.1 is a multicast address"),
    ("255.255.255.255", "255.255.255.255 is a broadcast address"),
    ("192.0.2.1", "192.0.2.1 is a documentation address"),
    ("[::1]", "::1 is a loopback address"),
    ("[::ffff:127.0.0.1]", "::ffff:127.0.0.1 (127.0.0.1) is a loopback address"),
    ("[::ffff:7f00:1]", "::ffff:7f00:1 (127.0.0.1) is a loopback address"),
    ("[::ffff:169.254.169.254]", "(169.254.169.254) is a cloud metadata address"),
    ("[64:ff9b::7f00:1]", "embeds 127.0.0.1, a loopback address"),
    ("[2002:a00:1::]", "embeds 10.0.0.1, a private address"),
    ("[::127.0.0.1]", "embeds 127.0.0.1, a loopback address"),
    ("2130706433", "2130706433 (127.0.0.1) is a loopback address"),
    ("0x7f000001", "0x7f000001 (127.0.0.1) is a loopback address"),
    ("017700000001", "017700000001 (127.0.0.1) is a loopback address"),
    ("0177.0.1", "0177.0.1 (127.0.0.1) is a loopback address"),
    ("0x7f.1", "(127.0.0.1) is a loopback address"),
    ("127.1", "127.1 (127.0.0.1) is a loopback address"),
    ("0xa9.0xfe.0xa9.0xfe", "(169.254.169.254) is a cloud metadata address"),
])
async def test_a_refused_address_is_not_contacted(
        server: LocalServer, connections: list[str], host: str, message: str) -> None:
    # The host is on the allow-list, so the address is what refuses it.
    error = await refused(HttpRequest("GET", api(server, host=host)), policy_for(server, host))
    assert error.reason == "ADDRESS_NOT_ALLOWED"
    assert message in error.message
    assert (connections, server.seen) == ([], [])


async def test_a_dotted_quad_with_octal_parts_is_refused_as_a_url(
        connections: list[str]) -> None:
    # httpx rejects the four-part form outright; the classifier reads it (tested below).
    error = await refused(HttpRequest("GET", "http://0177.0.0.1/"), FetchPolicy(["0177.0.0.1"]))
    assert error.reason == "INVALID_URL"
    assert connections == []


async def test_a_name_that_resolves_to_loopback_is_refused(connections: list[str]) -> None:
    error = await refused(HttpRequest("GET", "http://localhost:8080/"),
                          FetchPolicy(["localhost:8080"]), SystemResolver())
    assert error.reason == "ADDRESS_NOT_ALLOWED"
    assert error.message.startswith("localhost resolves to ")
    assert "a loopback address" in error.message
    assert connections == []


@pytest.mark.parametrize("answer", [[SERVER_HOST, "10.0.0.1"], ["10.0.0.1", SERVER_HOST]])
async def test_one_refused_address_among_the_answers_refuses_the_host(
        server: LocalServer, connections: list[str], answer: list[str]) -> None:
    names = StaticResolver.of(api_test=answer)
    error = await refused(HttpRequest("GET", api(server)), policy_for(server), names)
    assert error.reason == "ADDRESS_NOT_ALLOWED"
    assert error.message == "api.test resolves to 10.0.0.1, a private address"
    assert (connections, server.seen) == ([], [])


async def test_an_operator_network_lets_one_address_through_not_its_neighbours(
        server: LocalServer) -> None:
    server.route("/", body=b"ok")
    policy = FetchPolicy([f"api.test:{server.port}"], TEST_NETWORKS)
    assert (await fetch(HttpRequest("GET", api(server)), policy, resolver=resolver())).body == b"ok"
    neighbour = StaticResolver.of(api_test=["127.0.0.3"])
    assert (await refused(HttpRequest("GET", api(server)), policy, neighbour)).reason == \
        "ADDRESS_NOT_ALLOWED"


# --- the allow-list, schemes, methods ---------------------------------------------------------

async def test_a_host_not_on_the_allow_list_is_refused_before_resolution(
        server: LocalServer, connections: list[str]) -> None:
    names = resolver()
    error = await refused(HttpRequest("GET", api(server, host="other.test")), policy_for(server),
                          names)
    assert (error.reason, error.message) == (
        "HOST_NOT_ALLOWED", f"other.test:{server.port} is not on the tool's allowed hosts")
    assert (names.asked, connections, server.seen) == ([], [], [])


async def test_an_empty_allow_list_allows_no_host(server: LocalServer) -> None:
    error = await refused(HttpRequest("GET", api(server)), FetchPolicy([], TEST_NETWORKS),
                          resolver())
    assert error.reason == "HOST_NOT_ALLOWED"


async def test_an_entry_without_a_port_allows_only_the_default_port(server: LocalServer) -> None:
    error = await refused(HttpRequest("GET", api(server)), FetchPolicy(["api.test"], TEST_NETWORKS),
                          resolver())
    assert error.reason == "HOST_NOT_ALLOWED"


@pytest.mark.parametrize("url", ["ftp://api.test/file", "file:///etc/passwd",
                                 "gopher://api.test:70/"])
async def test_other_schemes_are_refused(url: str) -> None:
    error = await refused(HttpRequest("GET", url), FetchPolicy(["api.test"]), resolver())
    assert error.reason == "SCHEME_NOT_ALLOWED"


@pytest.mark.parametrize(("request_", "reason"), [
    (HttpRequest("CONNECT", "http://api.test/"), "METHOD_NOT_ALLOWED"),
    (HttpRequest("TRACE", "http://api.test/"), "METHOD_NOT_ALLOWED"),
    (HttpRequest("GET", "http://user:secret@api.test/"), "INVALID_URL"),
    (HttpRequest("GET", "/relative"), "INVALID_URL"),
    (HttpRequest("GET", "http://api.test/", {"X-A": "1\r\nX-B: 2"}), "INVALID_HEADER"),
    (HttpRequest("GET", "http://api.test/", {"Bad Name": "1"}), "INVALID_HEADER"),
])
async def test_malformed_requests_are_refused(request_: HttpRequest, reason: str,
                                              connections: list[str]) -> None:
    error = await refused(request_, FetchPolicy(["api.test"], TEST_NETWORKS), resolver())
    assert error.reason == reason
    assert connections == []


async def test_a_name_that_does_not_resolve_fails(server: LocalServer) -> None:
    with pytest.raises(FetchFailed) as caught:
        await fetch(HttpRequest("GET", api(server, host="gone.test")),
                    policy_for(server, "gone.test"), resolver=resolver())
    assert caught.value.reason == "DNS_FAILED"


# --- redirects --------------------------------------------------------------------------------

async def test_a_redirect_to_a_refused_address_is_not_followed(
        server: LocalServer, connections: list[str]) -> None:
    server.route("/go", 302, [("Location", f"http://127.0.0.1:{server.port}/secret")])
    policy = FetchPolicy([f"api.test:{server.port}", f"127.0.0.1:{server.port}"], TEST_NETWORKS)
    error = await refused(HttpRequest("GET", api(server, "/go")), policy, resolver())
    assert (error.reason, error.message) == ("ADDRESS_NOT_ALLOWED",
                                             "127.0.0.1 is a loopback address")
    assert (server.paths(), connections) == (["/go"], [SERVER_HOST])


async def test_a_redirect_to_a_host_not_on_the_allow_list_is_not_followed(
        server: LocalServer, connections: list[str]) -> None:
    server.route("/go", 301, [("Location", api(server, "/", host="other.test"))])
    names = resolver()
    error = await refused(HttpRequest("GET", api(server, "/go")), policy_for(server), names)
    assert error.reason == "HOST_NOT_ALLOWED"
    assert (server.paths(), names.asked, connections) == (["/go"], ["api.test"], [SERVER_HOST])


async def test_a_redirect_to_another_scheme_is_not_followed(server: LocalServer) -> None:
    server.route("/go", 302, [("Location", "file:///etc/passwd")])
    error = await refused(HttpRequest("GET", api(server, "/go")), policy_for(server), resolver())
    assert error.reason == "SCHEME_NOT_ALLOWED"


async def test_redirects_within_the_limit_are_followed(server: LocalServer) -> None:
    server.route("/a", 302, [("Location", "/b")])
    server.route("/b", 307, [("Location", api(server, "/c"))])
    server.route("/c", body=b"done")
    response = await fetch(HttpRequest("GET", api(server, "/a")),
                           policy_for(server, max_redirects=2), resolver=resolver())
    assert (response.body, response.final_url) == (b"done", api(server, "/c"))
    assert response.redirects == [api(server, "/b"), api(server, "/c")]


async def test_a_redirect_chain_longer_than_the_limit_is_refused(server: LocalServer) -> None:
    for hop in range(10):
        server.route(f"/hop/{hop}", 302, [("Location", f"/hop/{hop + 1}")])
    error = await refused(HttpRequest("GET", api(server, "/hop/0")), policy_for(server),
                          resolver())
    assert error.reason == "TOO_MANY_REDIRECTS"
    assert server.paths() == [f"/hop/{hop}" for hop in range(6)]  # the first and 5 redirects


@pytest.mark.parametrize(("status", "method", "body"), [
    (303, "GET", b""), (302, "GET", b""), (301, "GET", b""), (307, "POST", b"{}"),
    (308, "POST", b"{}")])
async def test_a_redirected_post_becomes_a_get_as_browsers_do(
        server: LocalServer, status: int, method: str, body: bytes) -> None:
    server.route("/form", status, [("Location", "/next")])
    await fetch(HttpRequest("POST", api(server, "/form"), {"Content-Type": "application/json"},
                            b"{}"), policy_for(server), resolver=resolver())
    after = server.seen[1]
    assert (after.method, after.body) == (method, body)
    assert ("content-type" in after.headers) == (method == "POST")


@pytest.mark.parametrize(("target", "kept"), [("api.test", True), ("other.test", False)])
async def test_authorization_stays_behind_on_another_host(
        server: LocalServer, target: str, kept: bool) -> None:
    server.route("/go", 302, [("Location", api(server, "/next", host=target))])
    await fetch(HttpRequest("GET", api(server, "/go"), {"Authorization": "Bearer t"}),
                policy_for(server, "api.test", "other.test"), resolver=resolver())
    first, after = server.seen
    assert first.headers["authorization"] == "Bearer t"
    assert ("authorization" in after.headers) == kept


# --- limits -----------------------------------------------------------------------------------

@pytest.mark.parametrize(("size", "truncated"), [(10_000, True), (1_000, False), (999, False)])
async def test_the_body_is_cut_at_the_size_limit(
        server: LocalServer, size: int, truncated: bool) -> None:
    body = bytes(range(256)) * (size // 256) + b"x" * (size % 256)
    server.route("/big", body=body)
    response = await fetch(HttpRequest("GET", api(server, "/big")),
                           policy_for(server, max_response_bytes=1_000), resolver=resolver())
    assert (response.body, response.truncated) == (body[:1_000], truncated)


async def test_a_slow_server_hits_the_timeout(server: LocalServer) -> None:
    async def never(_: Seen) -> Reply:
        await asyncio.Event().wait()
        raise AssertionError("unreachable")

    server.routes["/slow"] = never
    started = time.monotonic()
    with pytest.raises(FetchFailed) as caught:
        await fetch(HttpRequest("GET", api(server, "/slow")), policy_for(server, timeout=0.3),
                    resolver=resolver())
    assert caught.value.reason == "TIMEOUT"
    assert time.monotonic() - started < 3


async def test_the_timeout_covers_every_hop(server: LocalServer) -> None:
    async def slow_hop(seen: Seen) -> Reply:
        await asyncio.sleep(0.15)
        return 302, [("Location", seen.path + "x")], b""

    for path in ("/", "/x", "/xx", "/xxx", "/xxxx"):
        server.routes[path] = slow_hop
    with pytest.raises(FetchFailed) as caught:
        await fetch(HttpRequest("GET", api(server)), policy_for(server, timeout=0.4),
                    resolver=resolver())
    assert caught.value.reason == "TIMEOUT"
    assert len(server.seen) <= 3


# --- the address classifier -------------------------------------------------------------------

def _spellings(number: int) -> st.SearchStrategy[str]:
    """``number`` as an IPv4 host in any form inet_aton reads: 1 to 4 parts, each decimal,
    octal or hex."""
    def part(value: int) -> st.SearchStrategy[str]:
        return st.sampled_from([str(value), f"0{value:o}", f"0x{value:x}", f"0X{value:X}",
                                f"00{value:o}", f"0x0{value:x}"])

    def spelled(parts: int) -> st.SearchStrategy[str]:
        leading = [(number >> (8 * (3 - index))) & 0xFF for index in range(parts - 1)]
        last = number & ((1 << (8 * (5 - parts))) - 1)
        return st.tuples(*(part(value) for value in [*leading, last])).map(".".join)

    return st.sampled_from([1, 2, 3, 4]).flatmap(spelled)


loopback_numbers = st.integers(0x7F000000, 0x7FFFFFFF)


@given(loopback_numbers.flatmap(lambda number: st.tuples(st.just(number), _spellings(number))))
def test_every_loopback_address_is_refused_in_every_numeric_spelling(
        case: tuple[int, str]) -> None:
    number, host = case
    address = parse_ip_literal(host)
    assert address == ipaddress.IPv4Address(number)
    assert socket.inet_aton(host) == address.packed  # read as the system's resolver reads it
    refusal = classify(address)
    assert refusal is not None and refusal.category is AddressCategory.LOOPBACK


@given(loopback_numbers)
def test_loopback_inside_ipv6_is_refused(number: int) -> None:
    v4 = ipaddress.IPv4Address(number)
    for host in (f"::ffff:{v4}", f"[::ffff:{number >> 16:x}:{number & 0xFFFF:x}]",
                 f"64:ff9b::{v4}", f"2002:{number >> 16:x}:{number & 0xFFFF:x}::1", f"::{v4}"):
        address = parse_ip_literal(host)
        assert address is not None
        refusal = classify(address)
        assert refusal is not None and refusal.category is AddressCategory.LOOPBACK, host


@given(st.ip_addresses(v=4))
def test_every_ipv4_address_python_deems_non_global_is_refused(address: IPAddress) -> None:
    if not address.is_global or address.is_multicast:
        assert classify(address) is not None


@given(st.sampled_from(["10.0.0.0/8", "172.16.0.0/12", "192.168.0.0/16", "fc00::/7"])
       .flatmap(lambda cidr: st.ip_addresses(network=cidr)))
def test_private_ranges_are_refused(address: IPAddress) -> None:
    refusal = classify(address)
    assert refusal is not None and refusal.category is AddressCategory.PRIVATE


@pytest.mark.parametrize("text", ["8.8.8.8", "1.1.1.1", "2606:4700:4700::1111",
                                  "64:ff9b::808:808", "2002:808:808::1", "::ffff:8.8.8.8"])
def test_public_addresses_are_allowed(text: str) -> None:
    assert classify(ipaddress.ip_address(text)) is None


@pytest.mark.parametrize("host", ["example.com", "1.2.3.4.5", "08.1", "0x", "0x.1", "1..2",
                                  "123.example", "4294967296", "256.1.1.1", ""])
def test_names_are_not_addresses(host: str) -> None:
    assert parse_ip_literal(host) is None


def test_operator_networks_widen_the_policy_but_never_to_metadata() -> None:
    policy = AddressPolicy(["127.0.0.2/32", "169.254.0.0/16", "fd00::/8"])
    assert policy.refusal(ipaddress.ip_address("127.0.0.2")) is None
    assert policy.refusal(ipaddress.ip_address("::ffff:127.0.0.2")) is None
    assert policy.refusal(ipaddress.ip_address("169.254.1.1")) is None
    for still_refused in ("127.0.0.1", "169.254.169.254", "fd00:ec2::254"):
        assert policy.refusal(ipaddress.ip_address(still_refused)) is not None, still_refused
    with pytest.raises(ValueError):
        AddressPolicy(["10.1.2.3/24"])


# --- the host allow-list ----------------------------------------------------------------------

@pytest.mark.parametrize(("entries", "host", "port", "allowed"), [
    (["api.example.com"], "API.Example.com.", 443, True),
    (["api.example.com"], "example.com", 443, False),
    (["api.example.com"], "api.example.com", 8443, False),
    (["api.example.com:8443"], "api.example.com", 8443, True),
    (["api.example.com:8443"], "api.example.com", 443, False),
    (["*.example.com"], "a.example.com", 443, True),
    (["*.example.com"], "a.b.example.com", 443, True),
    (["*.example.com"], "example.com", 443, False),
    (["*.example.com"], "badexample.com", 443, False),
    (["*.example.com", "example.com"], "example.com", 443, True),
    (["Bücher.example"], "xn--bcher-kva.example", 443, True),
    (["xn--bcher-kva.example"], "bücher.example", 443, True),
    (["203.0.113.7"], "203.0.113.7", 443, True),
    (["203.0.113.7"], "3405803783", 443, True),
    (["[2001:db8::1]:8443"], "2001:db8::1", 8443, True),
    (["2001:db8::1"], "[2001:db8::1]", 443, True),
    ([], "api.example.com", 443, False),
])
def test_the_allow_list_grammar(entries: list[str], host: str, port: int, allowed: bool) -> None:
    assert HostAllowList(entries).allows(host, port, default_port=443) is allowed


@pytest.mark.parametrize("entry", ["*", "*.", "a.*.com", "*example.com", "api.test:0",
                                   "api.test:99999", "api.test:https", "exa mple.com",
                                   "*.203.0.113.7", "[::1", "-bad.example"])
def test_entries_outside_the_grammar_are_rejected(entry: str) -> None:
    with pytest.raises(ValueError):
        HostPattern.parse(entry)
