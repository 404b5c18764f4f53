"""``Resources[E]``: the standard operations on one kind of resource (AIP-131 to 135), once.

A service declares a resource's rules by subclassing, and writes nothing else for the five
standard operations::

    class ToolService(Resources[Tool]):
        updatable = ("display_name", "description")

        async def check(self, tool: Tool, changed: Collection[str] | None) -> None:
            check_tool(tool)

Tenant scoping, etags and NOT_FOUND/ALREADY_EXISTS come from the ``Store`` (the service's
repository); the RPC side of the same methods is :mod:`shared.rpc.standard_methods`.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Collection, Mapping
from typing import Any, ClassVar, Generic, TypeVar

from shared.resources.entity import Entity
from shared.resources.filters import MATCH_ALL, Filter
from shared.resources.pages import Page, PageRequest
from shared.resources.store import ReadStore, Store

E = TypeVar("E", bound=Entity)


class Readable(Generic[E]):
    """Get and list one kind of resource; a service whose resources are made and changed by
    rules of its own (a validation, a completion, an alert) subclasses this.

    Args:
        store: Where the resources are kept (the service's repository).
    """

    def __init__(self, store: ReadStore[E]) -> None:
        self._store = store

    async def get(self, tenant: str, id_: str) -> E:
        """The resource ``id_`` of ``tenant``; NotFound when there is none."""
        return await self._store.get(tenant, id_)

    async def list(self, tenant: str, page: PageRequest,
                   matching: Filter = MATCH_ALL) -> Page[E]:
        """One page of the tenant's resources that ``matching`` selects, newest first."""
        return await self._store.list_matching(tenant, page, matching)


class Resources(Readable[E]):
    """Get, list, create, update and delete one kind of resource, within its rules.

    Args:
        store: Where the resources are kept (the service's repository).

    Attributes:
        updatable: The fields an Update may change (an empty mask changes all of them).
    """

    updatable: ClassVar[tuple[str, ...]] = ()

    _store: Store[E]

    def __init__(self, store: Store[E]) -> None:
        super().__init__(store)

    async def check(self, resource: E, changed: Collection[str] | None) -> None:
        """Raise InvalidArgument when ``resource`` breaks a rule; every version stored passes
        this first: a new one (``changed`` is None) and an updated one (``changed`` names
        the fields the update sets). No rules by default."""

    def prepared(self, resource: E) -> E:
        """What Create stores of a new ``resource`` (e.g. its initial state)."""
        return resource

    async def create(self, resource: E) -> E:
        """Store a new resource.

        Raises:
            InvalidArgument: It breaks a rule.
            AlreadyExists: Its id is taken.
        """
        resource = self.prepared(resource)
        await self.check(resource, None)
        return await self._store.create(resource)

    async def update(self, tenant: str, id_: str, changes: Mapping[str, Any],
                     etag: str = "") -> E:
        """Apply ``changes`` (fields of :attr:`updatable`) to a resource.

        Raises:
            InvalidArgument: The changed resource breaks a rule.
            Aborted: ``etag`` is given and is not the resource's current one.
        """
        current = await self._store.get(tenant, id_)
        changed = dataclasses.replace(current, **changes)
        await self.check(changed, frozenset(changes))
        return await self._store.update(changed, etag)

    async def delete(self, tenant: str, id_: str) -> None:
        """Remove a resource; NotFound when there is none."""
        await self._store.delete(tenant, id_)
