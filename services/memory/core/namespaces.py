"""``NamespaceService``: creating and reading memory namespaces."""

from __future__ import annotations

from typing import Protocol

from services.memory.core.models import Namespace
from shared.errors import InvalidArgument
from shared.resources.pages import Page, PageRequest


class NamespaceStore(Protocol):
    """What ``NamespaceService`` needs of its repository."""

    async def create(self, entity: Namespace) -> Namespace: ...
    async def get(self, tenant: str, id_: str) -> Namespace: ...
    async def list_by_id(self, tenant: str, page: PageRequest) -> Page[Namespace]: ...


class NamespaceService:
    """Namespaces of every tenant, persisted through ``namespaces``.

    Args:
        namespaces: Repository of namespaces.
    """

    def __init__(self, namespaces: NamespaceStore) -> None:
        self._namespaces = namespaces

    async def create(self, namespace: Namespace) -> Namespace:
        """Store a new namespace.

        Raises:
            InvalidArgument: Its lifecycle policy belongs to another tenant.
            AlreadyExists: The id is taken.
        """
        policy = namespace.lifecycle_policy
        if policy and not policy.startswith(f"tenants/{namespace.tenant}/"):
            raise InvalidArgument.for_field(
                "namespace.lifecycle_policy",
                f"must be a lifecycle policy of tenants/{namespace.tenant}")
        return await self._namespaces.create(namespace)

    async def get(self, tenant: str, namespace_id: str) -> Namespace:
        return await self._namespaces.get(tenant, namespace_id)

    async def list(self, tenant: str, page: PageRequest) -> Page[Namespace]:
        """One page of ``tenant``'s namespaces, by id."""
        return await self._namespaces.list_by_id(tenant, page)
