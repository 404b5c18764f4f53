"""``TenantService``: creating and reading tenants, and who may see which.

Tenants are the platform's business: only callers of the platform tenant (its operators) create
them and see every one; a caller of any other tenant sees only its own. A call that carries no
tenant at all is internal (bootstrap, or a trusted peer) and is not restricted here.
"""

from __future__ import annotations

import dataclasses
from typing import Protocol

from services.auth.core.models import Tenant, TenantState
from shared.errors import NotFound, PermissionDenied
from shared.resources.filters import MATCH_ALL, Filter
from shared.resources.pages import Page, PageRequest

PLATFORM_ONLY = "PLATFORM_ONLY"


class TenantStore(Protocol):
    """What ``TenantService`` needs of its repository."""

    async def create(self, entity: Tenant) -> Tenant: ...
    async def get(self, tenant: str, id_: str) -> Tenant: ...
    async def list_matching(self, tenant: str, page: PageRequest,
                            matching: Filter) -> Page[Tenant]: ...
    async def list_all(self, page: PageRequest, matching: Filter) -> Page[Tenant]: ...


class TenantService:
    """Every tenant of the mesh, persisted through ``tenants``.

    The ``caller_tenant`` of each method is the tenant the caller acts in; empty for an
    internal call.

    Args:
        tenants: Repository of tenants, where each tenant's ``tenant`` is its ``id``.
        platform_tenant: The tenant of the platform operators; empty for none.
    """

    def __init__(self, tenants: TenantStore, platform_tenant: str = "") -> None:
        self._tenants = tenants
        self._platform_tenant = platform_tenant

    def _sees_every_tenant(self, caller_tenant: str) -> bool:
        return not caller_tenant or (bool(self._platform_tenant)
                                     and caller_tenant == self._platform_tenant)

    async def create(self, tenant: Tenant, caller_tenant: str = "") -> Tenant:
        """Store a new tenant, ACTIVE.

        Raises:
            PermissionDenied: The caller is not of the platform tenant (PLATFORM_ONLY).
            AlreadyExists: The id is taken.
        """
        if not self._sees_every_tenant(caller_tenant):
            raise PermissionDenied("only platform operators may create tenants",
                                   reason=PLATFORM_ONLY)
        return await self._tenants.create(dataclasses.replace(
            tenant, tenant=tenant.id, state=TenantState.ACTIVE))

    async def get(self, tenant_id: str, caller_tenant: str = "") -> Tenant:
        """The tenant ``tenant_id``.

        Raises:
            NotFound: It does not exist, or the caller may not see it (never revealing which).
        """
        if not self._sees_every_tenant(caller_tenant) and caller_tenant != tenant_id:
            raise NotFound("resource not found", reason="NOT_FOUND")
        return await self._tenants.get(tenant_id, tenant_id)

    async def list(self, page: PageRequest, caller_tenant: str = "",
                   matching: Filter = MATCH_ALL) -> Page[Tenant]:
        """One page of the tenants a caller may see that ``matching`` selects, newest first:
        every tenant for the platform and internal calls, only its own for any other caller."""
        if self._sees_every_tenant(caller_tenant):
            return await self._tenants.list_all(page, matching)
        return await self._tenants.list_matching(caller_tenant, page, matching)
