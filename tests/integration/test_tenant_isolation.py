"""Tenant B can never read, list, change or delete tenant A's resources, in any service:
another tenant's resource is NOT_FOUND (never PERMISSION_DENIED, which would confirm it exists)."""

from __future__ import annotations

import pathlib
from collections.abc import AsyncIterator
from typing import Any

import grpc
import pytest

from cognos.mesh.supervisor import Mesh, MeshLayout
from tests.integration.conftest import Tokens
from tests.integration.resources import SAMPLES, SampleResource


async def expect_not_found(call: Any, request: Any, metadata: list[tuple[str, str]]) -> None:
    with pytest.raises(grpc.aio.AioRpcError) as caught:
        await call(request, timeout=10, metadata=metadata)
    assert caught.value.code() is grpc.StatusCode.NOT_FOUND, caught.value.details()


@pytest.fixture(scope="module", params=["sqlite", "postgresql"])
async def backend(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory,
                  envoy_channel: grpc.aio.Channel, tokens: Tokens
                  ) -> AsyncIterator[tuple[grpc.aio.Channel, Tokens]]:
    """The whole mesh behind Envoy on each backend: a channel to Envoy and a token source."""
    if request.param == "sqlite":
        yield envoy_channel, tokens
        return
    var = pathlib.Path(tmp_path_factory.mktemp("isolation-pg"))
    mesh = Mesh(MeshLayout.ephemeral(
        var, env={"COGNOS_DATABASE_URL": request.getfixturevalue("postgres_url")}))
    await mesh.start(timeout=120)
    try:
        async with grpc.aio.insecure_channel(mesh.envoy_address) as channel:
            yield channel, Tokens(mesh)
    finally:
        await mesh.stop()


@pytest.mark.parametrize("item", SAMPLES, ids=lambda s: s.service)
async def test_another_tenant_sees_nothing(backend: tuple[grpc.aio.Channel, Tokens],
                                           tenant: str, item: SampleResource) -> None:
    """The intruder holds a valid admin token of its own tenant, with every scope."""
    channel, tokens = backend
    stub = item.stub(channel)
    owner, intruder = tenant, f"{tenant}-b"
    as_owner, as_intruder = await tokens.metadata(owner), await tokens.metadata(intruder)
    created = getattr(await getattr(stub, f"Create{item.kind}")(
        item.create_request(owner), timeout=10, metadata=as_owner), item.field)

    await expect_not_found(getattr(stub, f"Get{item.kind}"), item.get_request(created.name),
                           as_intruder)
    await expect_not_found(getattr(stub, f"List{item.plural}"), item.list_request(owner),
                           as_intruder)
    module = item.module()
    if hasattr(module, f"Update{item.kind}Request"):
        update = getattr(module, f"Update{item.kind}Request")()
        getattr(update, item.field).CopyFrom(created)
        await expect_not_found(getattr(stub, f"Update{item.kind}"), update, as_intruder)
    if hasattr(module, f"Delete{item.kind}Request"):
        delete = getattr(module, f"Delete{item.kind}Request")(name=created.name)
        await expect_not_found(getattr(stub, f"Delete{item.kind}"), delete, as_intruder)

    # The intruder's own view of its tenant is empty, and the owner's resource is intact.
    own = await getattr(stub, f"List{item.plural}")(item.list_request(intruder), timeout=10,
                                                     metadata=as_intruder)
    assert list(getattr(own, item.list_field)) == []
    still = await getattr(stub, f"Get{item.kind}")(item.get_request(created.name), timeout=10,
                                                    metadata=as_owner)
    assert item.same(getattr(still, item.field), created)
