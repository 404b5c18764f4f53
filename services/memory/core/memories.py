"""``MemoryService``: storing, reading, changing and forgetting memories."""

from __future__ import annotations

import dataclasses
import datetime as dt
from collections.abc import Mapping
from typing import Any, Protocol

from services.memory.core.models import Memory
from shared.errors import InvalidArgument, NotFound
from shared.resources.entity import utc_now
from shared.resources.filters import MATCH_ALL, Filter
from shared.resources.pages import Page, PageRequest

UPDATABLE_FIELDS = ("content", "kind", "importance", "metadata", "expire_time")


class MemoryStore(Protocol):
    """What ``MemoryService`` needs of its repository: CRUD plus listing live memories."""

    async def create(self, entity: Memory) -> Memory: ...
    async def get(self, tenant: str, id_: str) -> Memory: ...
    async def update(self, entity: Memory, expected_etag: str = "") -> Memory: ...
    async def delete(self, tenant: str, id_: str) -> None: ...
    async def list_live(self, tenant: str, page: PageRequest, now: dt.datetime,
                        matching: Filter) -> Page[Memory]: ...


def _check_expire_time(expire_time: dt.datetime | None, now: dt.datetime) -> None:
    # A memory born expired could never be read back; refuse it rather than store it.
    if expire_time is not None and expire_time <= now:
        raise InvalidArgument.for_field("memory.expire_time", "must be in the future")


class MemoryService:
    """Memories of every tenant, persisted through ``memories``.

    Expired memories count as forgotten: they are neither returned nor changed.

    Args:
        memories: Repository of memories.
    """

    updatable = UPDATABLE_FIELDS

    def __init__(self, memories: MemoryStore) -> None:
        self._memories = memories

    async def create(self, memory: Memory) -> Memory:
        """Store a new memory.

        Raises:
            InvalidArgument: Its expire_time has already passed.
        """
        _check_expire_time(memory.expire_time, utc_now())
        return await self._memories.create(memory)

    async def get(self, tenant: str, memory_id: str) -> Memory:
        """A live memory.

        Raises:
            NotFound: No such memory, or it has expired.
        """
        memory = await self._memories.get(tenant, memory_id)
        if memory.expired(utc_now()):
            raise NotFound(f"memory {memory_id!r} not found", reason="MEMORY_NOT_FOUND",
                           metadata={"id": memory_id})
        return memory

    async def list(self, tenant: str, page: PageRequest,
                   matching: Filter = MATCH_ALL) -> Page[Memory]:
        """One page of the live memories that ``matching`` selects, newest first."""
        return await self._memories.list_live(tenant, page, utc_now(), matching)

    async def update(self, tenant: str, memory_id: str, changes: Mapping[str, Any],
                     etag: str = "") -> Memory:
        """Apply ``changes`` (a subset of UPDATABLE_FIELDS) to a live memory.

        Raises:
            NotFound: No such memory, or it has expired.
            InvalidArgument: The new expire_time has already passed.
        """
        if "expire_time" in changes:
            _check_expire_time(changes["expire_time"], utc_now())
        current = await self.get(tenant, memory_id)
        return await self._memories.update(dataclasses.replace(current, **changes), etag)

    async def delete(self, tenant: str, memory_id: str) -> None:
        await self._memories.delete(tenant, memory_id)
