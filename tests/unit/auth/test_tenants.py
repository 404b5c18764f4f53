"""TenantService against a real, migrated SQLite database."""

from __future__ import annotations

import pytest

from services.auth.core.models import Tenant, TenantState
from services.auth.core.tenants import TenantService
from services.auth.repository import tenant_repository
from shared.database import DatabaseConnection, PageRequest
from shared.errors import AlreadyExists, NotFound, PermissionDenied


@pytest.fixture
def service(db: DatabaseConnection) -> TenantService:
    return TenantService(tenant_repository(db), platform_tenant="system")


def make_tenant(tenant_id: str) -> Tenant:
    return Tenant(tenant="", id=tenant_id, display_name=tenant_id.title(),
                  state=TenantState.SUSPENDED)


async def test_create_stores_an_active_tenant_owning_itself(service: TenantService) -> None:
    created = await service.create(make_tenant("acme"))

    assert (created.tenant, created.id, created.state) == ("acme", "acme", TenantState.ACTIVE)
    assert await service.get("acme") == created
    with pytest.raises(AlreadyExists):
        await service.create(make_tenant("acme"))
    with pytest.raises(NotFound):
        await service.get("globex")


async def test_list_pages_every_tenant_newest_first(service: TenantService) -> None:
    for tenant_id in ("acme", "globex", "initech"):
        await service.create(make_tenant(tenant_id))

    first = await service.list(PageRequest(size=2))
    rest = await service.list(PageRequest.of(2, first.next_page_token))

    assert [t.id for t in first.items] == ["initech", "globex"]
    assert [t.id for t in rest.items] == ["acme"]
    assert rest.next_page_token == ""


async def test_a_caller_bound_to_a_tenant_sees_only_its_own(service: TenantService) -> None:
    for tenant_id in ("acme", "globex"):
        await service.create(make_tenant(tenant_id))

    page = await service.list(PageRequest(), caller_tenant="globex")

    assert [t.id for t in page.items] == ["globex"]


async def test_only_the_platform_or_an_internal_call_creates_tenants(service: TenantService
                                                                     ) -> None:
    await service.create(make_tenant("acme"), caller_tenant="system")
    await service.create(make_tenant("globex"))

    with pytest.raises(PermissionDenied) as refused:
        await service.create(make_tenant("initech"), caller_tenant="acme")

    assert refused.value.reason == "PLATFORM_ONLY"
    assert [t.id for t in (await service.list(PageRequest())).items] == ["globex", "acme"]


async def test_the_platform_sees_every_tenant_others_only_their_own(service: TenantService
                                                                    ) -> None:
    for tenant_id in ("acme", "globex"):
        await service.create(make_tenant(tenant_id))

    everything = await service.list(PageRequest(), caller_tenant="system")

    assert [t.id for t in everything.items] == ["globex", "acme"]
    assert (await service.get("acme", caller_tenant="system")).id == "acme"
    assert (await service.get("acme", caller_tenant="acme")).id == "acme"
    with pytest.raises(NotFound):
        await service.get("acme", caller_tenant="globex")
