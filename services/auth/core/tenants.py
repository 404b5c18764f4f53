"""``TenantService``: creating and reading tenants."""

from __future__ import annotations

import dataclasses
from typing import Protocol

from services.auth.core.models import Tenant, TenantState
from shared.database import Page, PageRequest


class TenantStore(Protocol):
    """What ``TenantService`` needs of its repository."""

    async def create(self, entity: Tenant) -> Tenant: ...
    async def get(self, tenant: str, id_: str) -> Tenant: ...
    async def list(self, tenant: str, page: PageRequest) -> Page[Tenant]: ...
    async def list_all(self, page: PageRequest) -> Page[Tenant]: ...


class TenantService:
    """Every tenant of the mesh, persisted through ``tenants``.

    Args:
        tenants: Repository of tenants, where each tenant's ``tenant`` is its ``id``.
    """

    def __init__(self, tenants: TenantStore) -> None:
        self._tenants = tenants

    async def create(self, tenant: Tenant) -> Tenant:
        """Store a new tenant, ACTIVE.

        Raises:
            AlreadyExists: The id is taken.
        """
        return await self._tenants.create(dataclasses.replace(
            tenant, tenant=tenant.id, state=TenantState.ACTIVE))

    async def get(self, tenant_id: str) -> Tenant:
        return await self._tenants.get(tenant_id, tenant_id)

    async def list(self, page: PageRequest, caller_tenant: str = "") -> Page[Tenant]:
        """One page of the tenants a caller may see, newest first.

        A caller bound to a tenant (``caller_tenant``) sees only that one; others see all.
        """
        if caller_tenant:
            return await self._tenants.list(caller_tenant, page)
        return await self._tenants.list_all(page)
