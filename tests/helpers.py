"""Helpers for tests: polling instead of sleeping, reading rich gRPC errors, and the
credentials of the mesh's own calls for tests that talk to a service's port directly."""

from __future__ import annotations

import asyncio
import atexit
import functools
import importlib
import pathlib
import shutil
import tempfile
import time
from collections.abc import Awaitable, Callable, Iterable
from typing import Any, TypeVar

import grpc
from google.protobuf import descriptor_pool

from cognition.options.v1 import access_pb2
from shared.errors import InvalidArgument
from shared.mesh.client import ChannelFactory
from shared.mesh.client import mesh_channel as real_mesh_channel
from shared.mesh.in_process import InProcessChannel
from shared.mesh.keys import MeshKeys
from shared.mesh.registry import SERVICES
from shared.rpc.credentials import SERVICE_CREDENTIALS, ServiceCredentials
from shared.rpc.status import from_rpc_error

# The mesh secret of every server and mesh the tests start (tests/conftest.py exports it).
TEST_MESH_SECRET = "5e" * 32

T = TypeVar("T")


async def assert_eventually(probe: Callable[[], Awaitable[T]], *, timeout: float = 10.0,
                            interval: float = 0.05, message: str = "condition") -> T:
    """Poll ``probe`` until it returns a truthy value (returned) or ``timeout`` passes."""
    deadline = time.monotonic() + timeout
    last: object = None
    while time.monotonic() < deadline:
        try:
            result = await probe()
            if result:
                return result
            last = result
        except AssertionError as error:
            last = error
        await asyncio.sleep(interval)
    raise AssertionError(f"{message} not met within {timeout}s (last: {last!r})")


def bad_fields(error: grpc.aio.AioRpcError) -> list[str]:
    """The fields a google.rpc.BadRequest in ``error``'s details names."""
    decoded = from_rpc_error(error)
    return [v.field for v in decoded.violations] if isinstance(decoded, InvalidArgument) else []


def error_reason(error: grpc.aio.AioRpcError) -> str:
    """The reason of the google.rpc.ErrorInfo in ``error``'s details."""
    return from_rpc_error(error).reason


def import_contracts() -> None:
    """Load every service's contract into the descriptor pool."""
    for spec in SERVICES:
        domain = spec.proto_package.split(".")[1]
        importlib.import_module(f"{spec.proto_package}.{domain}_service_pb2")


@functools.cache
def every_scope() -> frozenset[str]:
    """Every scope a method of the contracts asks for."""
    import_contracts()
    scopes = set()
    for spec in SERVICES:
        service = descriptor_pool.Default().FindServiceByName(spec.full_service_name)
        for method in service.methods:
            rule = method.GetOptions().Extensions[access_pb2.access]  # type: ignore[index]
            if rule.scope:
                scopes.add(rule.scope)
    return frozenset(scopes)


class _TestCredentials(ServiceCredentials):
    """A test's own calls (no scopes of their own) act with every scope."""

    def mint(self, tenant: str, scopes: Iterable[str], on_behalf_of: str = "") -> str:
        return super().mint(tenant, frozenset(scopes) or every_scope(), on_behalf_of)


def mesh_credentials(service: str = "tests") -> ServiceCredentials:
    """What the tests sign their calls to a service's port with, as a service of the mesh
    does (for a ServiceClient); calls outside any served call act with every scope."""
    return _TestCredentials(service, MeshKeys.from_text(TEST_MESH_SECRET).key(
        SERVICE_CREDENTIALS))


def service_credential(tenant: str = "", scopes: Iterable[str] | None = None,
                       on_behalf_of: str = "", service: str = "tests") -> str:
    """A credential of service ``service`` acting in ``tenant`` (empty: the mesh's own
    cross-tenant work) with ``scopes`` (default: every scope)."""
    return ServiceCredentials(service, MeshKeys.from_text(TEST_MESH_SECRET).key(
        SERVICE_CREDENTIALS)).mint(tenant, every_scope() if scopes is None else scopes,
                                   on_behalf_of)


def service_metadata(tenant: str = "", scopes: Iterable[str] | None = None,
                     on_behalf_of: str = "") -> list[tuple[str, str]]:
    """gRPC metadata carrying :func:`service_credential`."""
    return [("authorization", f"Bearer {service_credential(tenant, scopes, on_behalf_of)}")]


def _with_credential(details: grpc.aio.ClientCallDetails) -> grpc.aio.ClientCallDetails:
    """``details`` with a service credential unless they carry a credential already."""
    metadata = list(details.metadata or ())
    if not any(key == "authorization" for key, _ in metadata):
        metadata += service_metadata()
    return grpc.aio.ClientCallDetails(details.method, details.timeout,
                                      grpc.aio.Metadata(*metadata), details.credentials,
                                      details.wait_for_ready)


# A channel takes each interceptor for one kind of call only: one class per kind.
class _SignsUnary(grpc.aio.UnaryUnaryClientInterceptor):
    async def intercept_unary_unary(self, continuation: Any, details: Any, request: Any) -> Any:
        return await continuation(_with_credential(details), request)


class _SignsStream(grpc.aio.UnaryStreamClientInterceptor):
    async def intercept_unary_stream(self, continuation: Any, details: Any, request: Any) -> Any:
        return await continuation(_with_credential(details), request)


def mesh_channel(address: str, **options: Any) -> grpc.aio.Channel:
    """A channel whose calls are the mesh's own (every scope, every tenant) unless they carry
    a credential of their own: for tests of a service's port."""
    return grpc.aio.insecure_channel(address, interceptors=[_SignsUnary(), _SignsStream()],
                                     **options)


def peers_in_process(served: dict[str, object]) -> ChannelFactory:
    """A channel factory serving the peers at the addresses in ``served`` from objects in this
    process (``shared.mesh.in_process``); any other address is reached over the mesh."""

    def channel(address: str) -> Any:
        peer = served.get(address)
        return InProcessChannel(peer) if peer is not None else real_mesh_channel(address)

    return channel


def sandbox_readable(source: pathlib.Path) -> pathlib.Path:
    """A copy of the file ``source`` in a fresh folder of the system's temporary directory
    that the sandbox's unprivileged uids can read (the checkout may sit where they cannot: a
    private temporary folder, root's home); removed when the tests end."""
    folder = pathlib.Path(tempfile.mkdtemp(prefix="cognos-sandboxed-"))
    folder.chmod(0o755)
    atexit.register(shutil.rmtree, folder, True)
    target = folder / source.name
    shutil.copyfile(source, target)
    target.chmod(0o644)
    return target
