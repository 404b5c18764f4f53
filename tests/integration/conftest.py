"""Integration fixtures: the whole mesh (every service + real Envoy) as real processes."""

from __future__ import annotations

import pathlib
import secrets
from collections.abc import AsyncIterator

import grpc
import pytest

from cognos.mesh.supervisor import Mesh, MeshLayout


@pytest.fixture(scope="session")
async def mesh(tmp_path_factory: pytest.TempPathFactory) -> AsyncIterator[Mesh]:
    """All eleven services and Envoy on free ports, started once for the session."""
    var = pathlib.Path(tmp_path_factory.mktemp("mesh"))
    running = Mesh(MeshLayout.ephemeral(var))
    await running.start(timeout=90)
    yield running
    await running.stop()


@pytest.fixture(scope="session")
async def envoy_channel(mesh: Mesh) -> AsyncIterator[grpc.aio.Channel]:
    """A gRPC channel to Envoy's listener."""
    async with grpc.aio.insecure_channel(mesh.envoy_address) as channel:
        yield channel


@pytest.fixture
def tenant() -> str:
    """A fresh tenant per test, so counts and lists are the test's own."""
    return f"t-{secrets.token_hex(4)}"
