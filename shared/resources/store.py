"""``Store[E]``: what domain code asks of a resource's storage, tenant-scoped.

Domain code (a service's ``core/``) holds a ``Store``; the service's repository provides it
(``shared.database.Repository`` is one), so rules never touch SQL.
"""

from __future__ import annotations

from typing import Protocol, TypeVar

from shared.resources.entity import Entity
from shared.resources.filters import Filter
from shared.resources.pages import Page, PageRequest

E = TypeVar("E", bound=Entity)


class ReadStore(Protocol[E]):
    """Get and list entities of one kind within a tenant."""

    async def get(self, tenant: str, id_: str) -> E:
        """The entity ``id_``; NotFound when the tenant has none."""
        ...

    async def list_matching(self, tenant: str, page: PageRequest, matching: Filter) -> Page[E]:
        """One page, newest first, of the entities ``matching`` selects."""
        ...


class Store(ReadStore[E], Protocol[E]):
    """Get, list, create, update and delete entities of one kind within a tenant."""

    def check_tenant(self, tenant: str) -> None:
        """PermissionDenied unless the caller may act in ``tenant``."""
        ...

    async def create(self, entity: E) -> E:
        """Store a new entity; AlreadyExists when its id is taken."""
        ...

    async def update(self, entity: E, expected_etag: str = "") -> E:
        """Replace an entity; Aborted when ``expected_etag`` is not its current etag."""
        ...

    async def delete(self, tenant: str, id_: str) -> None:
        """Remove an entity; NotFound when the tenant has none."""
        ...
