"""``NamespaceService``: creating, reading and changing memory namespaces and their grants."""

from __future__ import annotations

import dataclasses
from collections.abc import Mapping
from typing import Any, Protocol

from services.memory.core.access import Grant, caller, require
from services.memory.core.models import Namespace
from services.memory.core.policies import PolicyLookup
from shared.errors import InvalidArgument, NotFound
from shared.resources.pages import Page, PageRequest

UPDATABLE_FIELDS = ("display_name", "readers", "writers", "admins", "lifecycle_policy",
                    "max_memories", "max_bytes", "ranking")


class NamespaceStore(Protocol):
    """What ``NamespaceService`` needs of its repository."""

    async def create(self, entity: Namespace) -> Namespace: ...
    async def get(self, tenant: str, id_: str) -> Namespace: ...
    async def update(self, entity: Namespace, expected_etag: str = "") -> Namespace: ...
    async def list_by_id(self, tenant: str, page: PageRequest) -> Page[Namespace]: ...


def _check_policy(namespace: Namespace, field: str) -> None:
    policy = namespace.lifecycle_policy
    if policy and not policy.startswith(f"tenants/{namespace.tenant}/"):
        raise InvalidArgument.for_field(
            field, f"must be a lifecycle policy of tenants/{namespace.tenant}")


class NamespaceService:
    """Namespaces of every tenant, persisted through ``namespaces``.

    Args:
        namespaces: Repository of namespaces.
        policies: The lifecycle policies a namespace may name (unchecked when None).
    """

    updatable = UPDATABLE_FIELDS

    def __init__(self, namespaces: NamespaceStore, policies: PolicyLookup | None = None) -> None:
        self._namespaces = namespaces
        self._policies = policies

    async def _check_policy_exists(self, namespace: Namespace) -> None:
        policy = namespace.lifecycle_policy
        if not policy or self._policies is None:
            return
        try:
            await self._policies.get(namespace.tenant, policy.rsplit("/")[-1])
        except NotFound:
            raise NotFound(f"lifecycle policy {policy!r} not found",
                           reason="LIFECYCLE_POLICY_NOT_FOUND",
                           metadata={"lifecycle_policy": policy}) from None

    async def create(self, namespace: Namespace) -> Namespace:
        """Store a new namespace. Its creator administers it when it has grants.

        Raises:
            InvalidArgument: Its lifecycle policy belongs to another tenant.
            NotFound: Its lifecycle policy does not exist.
            AlreadyExists: The id is taken.
        """
        _check_policy(namespace, "namespace.lifecycle_policy")
        await self._check_policy_exists(namespace)
        if namespace.readers or namespace.writers or namespace.admins:
            creator = next(iter(caller().names), "")
            if creator and creator not in namespace.admins:
                namespace = dataclasses.replace(namespace,
                                                admins=[*namespace.admins, creator])
        return await self._namespaces.create(namespace)

    async def get(self, tenant: str, namespace_id: str) -> Namespace:
        """A namespace the caller may read.

        Raises:
            NotFound: No such namespace in the tenant.
            PermissionDenied: The caller may not read it.
        """
        namespace = await self._namespaces.get(tenant, namespace_id)
        require(namespace, caller(), Grant.READ)
        return namespace

    async def list(self, tenant: str, page: PageRequest) -> Page[Namespace]:
        """One page of ``tenant``'s namespaces, by id."""
        return await self._namespaces.list_by_id(tenant, page)

    async def update(self, tenant: str, namespace_id: str, changes: Mapping[str, Any],
                     etag: str = "") -> Namespace:
        """Apply ``changes`` (a subset of UPDATABLE_FIELDS) to a namespace the caller
        administers.

        Raises:
            NotFound: No such namespace, or its new lifecycle policy does not exist.
            PermissionDenied: The caller does not administer it.
            Aborted: ``etag`` is set and the namespace changed since.
        """
        current = await self._namespaces.get(tenant, namespace_id)
        require(current, caller(), Grant.ADMIN)
        changed = dataclasses.replace(current, **changes)
        _check_policy(changed, "namespace.lifecycle_policy")
        if changed.lifecycle_policy != current.lifecycle_policy:
            await self._check_policy_exists(changed)
        return await self._namespaces.update(changed, etag)
