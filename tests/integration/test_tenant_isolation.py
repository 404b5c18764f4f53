"""Tenant B can never read, list, change or delete tenant A's resources, in any service:
another tenant's resource is NOT_FOUND (never PERMISSION_DENIED, which would confirm it exists)."""

from __future__ import annotations

from typing import Any

import grpc
import pytest

from tests.integration.resources import SAMPLES, SampleResource, every_scope


def as_tenant(tenant: str) -> list[tuple[str, str]]:
    """Identity as Envoy forwards it from a verified admin token of ``tenant``."""
    return [("x-cognos-tenant", tenant), ("x-cognos-subject", f"tenants/{tenant}/users/eve"),
            ("x-cognos-scopes", every_scope())]


async def expect_not_found(call: Any, request: Any, tenant: str) -> None:
    with pytest.raises(grpc.aio.AioRpcError) as caught:
        await call(request, timeout=10, metadata=as_tenant(tenant))
    assert caught.value.code() is grpc.StatusCode.NOT_FOUND, caught.value.details()


@pytest.mark.parametrize("item", SAMPLES, ids=lambda s: s.service)
async def test_another_tenant_sees_nothing(envoy_channel: grpc.aio.Channel, tenant: str,
                                           item: SampleResource) -> None:
    stub = item.stub(envoy_channel)
    owner, intruder = tenant, f"{tenant}-b"
    created = getattr(await getattr(stub, f"Create{item.kind}")(
        item.create_request(owner), timeout=10, metadata=as_tenant(owner)), item.field)

    await expect_not_found(getattr(stub, f"Get{item.kind}"), item.get_request(created.name),
                           intruder)
    await expect_not_found(getattr(stub, f"List{item.plural}"), item.list_request(owner),
                           intruder)
    module = item.module()
    if hasattr(module, f"Update{item.kind}Request"):
        update = getattr(module, f"Update{item.kind}Request")()
        getattr(update, item.field).CopyFrom(created)
        await expect_not_found(getattr(stub, f"Update{item.kind}"), update, intruder)
    if hasattr(module, f"Delete{item.kind}Request"):
        delete = getattr(module, f"Delete{item.kind}Request")(name=created.name)
        await expect_not_found(getattr(stub, f"Delete{item.kind}"), delete, intruder)

    # The intruder's own view of its tenant is empty, and the owner's resource is intact.
    own = await getattr(stub, f"List{item.plural}")(item.list_request(intruder), timeout=10,
                                                     metadata=as_tenant(intruder))
    assert list(getattr(own, item.list_field)) == []
    still = await getattr(stub, f"Get{item.kind}")(item.get_request(created.name), timeout=10,
                                                    metadata=as_tenant(owner))
    assert getattr(still, item.field) == created
