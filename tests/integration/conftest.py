"""Integration fixtures: the whole mesh (every service + real Envoy demanding tokens) as real
processes, and tokens for whichever tenant a test talks about."""

from __future__ import annotations

import asyncio
import contextlib
import pathlib
import secrets
from collections.abc import AsyncIterator
from typing import Any

import grpc
import pytest

from cognos import rest
from cognos.credentials import bearer_credentials, ensure_tenant, issue_token, read_secret
from cognos.mesh.supervisor import Mesh, MeshLayout
from shared.proto.requests import request_tenant


class Tokens:
    """Access tokens minted with the mesh's bootstrap admin key, one per (tenant, scopes)."""

    def __init__(self, mesh: Mesh) -> None:
        self._address = mesh.envoy_address
        self._secret = read_secret(mesh.layout.bootstrap_key_file)
        self._cache: dict[tuple[str, tuple[str, ...]], str] = {}

    async def for_tenant(self, tenant: str, scopes: tuple[str, ...] = ()) -> str:
        """A token acting in ``tenant`` (created if need be) with ``scopes`` (empty: every
        scope); an empty ``tenant`` is the platform's own."""
        key = (tenant, scopes)
        if key not in self._cache:
            if tenant:
                await ensure_tenant(self._address, await self.for_tenant(""), tenant)
            self._cache[key] = await issue_token(self._address, self._secret, tenant=tenant,
                                                 scopes=scopes)
        return self._cache[key]

    async def headers(self, tenant: str, scopes: tuple[str, ...] = ()) -> dict[str, str]:
        """REST headers carrying a token for ``tenant``."""
        return {"authorization": f"Bearer {await self.for_tenant(tenant, scopes)}"}

    async def metadata(self, tenant: str, scopes: tuple[str, ...] = ()) -> list[tuple[str, str]]:
        """gRPC metadata carrying a token for ``tenant``."""
        return [("authorization", f"Bearer {await self.for_tenant(tenant, scopes)}")]


@contextlib.asynccontextmanager
async def supervised_mesh(layout: MeshLayout, timeout: float = 90) -> AsyncIterator[Mesh]:
    """The mesh of ``layout`` started, a process that dies restarted by its supervisor, and
    everything stopped at the end."""
    running = Mesh(layout)
    await running.start(timeout=timeout)
    stop = asyncio.Event()
    supervising = asyncio.create_task(running.supervise(stop))
    try:
        yield running
    finally:
        stop.set()
        await supervising
        await running.stop()


@pytest.fixture(scope="session")
async def mesh(tmp_path_factory: pytest.TempPathFactory) -> AsyncIterator[Mesh]:
    """All eleven services and Envoy on free ports, started once for the session."""
    var = pathlib.Path(tmp_path_factory.mktemp("mesh"))
    running = Mesh(MeshLayout.ephemeral(var))
    await running.start(timeout=90)
    yield running
    await running.stop()


@pytest.fixture(scope="session")
def tokens(mesh: Mesh) -> Tokens:
    return Tokens(mesh)


@contextlib.asynccontextmanager
async def signed_channel(mesh: Mesh, tokens: Tokens | None = None
                         ) -> AsyncIterator[grpc.aio.Channel]:
    """A gRPC channel to ``mesh``'s Envoy that signs each call in as an admin of the
    request's tenant (created if need be)."""
    tokens = tokens or Tokens(mesh)

    async def token_for(request: Any) -> str | None:
        tenant = request_tenant(request)
        return await tokens.for_tenant(tenant) if tenant else None

    async with grpc.aio.insecure_channel(
            mesh.envoy_address, interceptors=bearer_credentials(token_for)) as channel:
        yield channel


@pytest.fixture(scope="session")
async def envoy_channel(mesh: Mesh, tokens: Tokens) -> AsyncIterator[grpc.aio.Channel]:
    """A gRPC channel to Envoy that signs each call in as an admin of the request's tenant."""
    async with signed_channel(mesh, tokens) as channel:
        yield channel


@pytest.fixture
def tenant() -> str:
    """A fresh tenant per test, so counts and lists are the test's own."""
    return f"t-{secrets.token_hex(4)}"


class Rest:
    """REST/JSON calls through Envoy, signed in as an admin of the tenant in the path."""

    def __init__(self, mesh: Mesh, tokens: Tokens) -> None:
        self._base = f"http://{mesh.envoy_address}"
        self._tokens = tokens

    async def __call__(self, method: str, path: str, body: dict[str, Any] | None = None,
                       *, raw: bytes | None = None) -> tuple[int, Any]:
        parts = path.split("/")
        headers = {}
        if len(parts) > 3 and parts[2] == "tenants":
            headers = await self._tokens.headers(parts[3].split("?")[0])
        if raw is not None:
            return await asyncio.to_thread(rest.call_raw, self._base, method, path, raw, headers)
        return await asyncio.to_thread(rest.call, self._base, method, path, body, headers)


@pytest.fixture(scope="session")
def rest_api(mesh: Mesh, tokens: Tokens) -> Rest:
    return Rest(mesh, tokens)
