"""``MemoryService``: storing, reading, changing, archiving and forgetting memories.

Every write checks the caller's grant on the memory's namespace and the namespace's quota,
embeds new content through the :class:`Embedder` (unless the caller sent its embedding), and
commits the row before the vector index hears of it (:mod:`services.memory.core.index_sync`).
Expired and deleted memories count as forgotten: they are neither returned nor changed.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
from collections.abc import Mapping, Sequence
from typing import Any, Protocol

from services.memory.core.access import Grant, Principals, caller, granted, require
from services.memory.core.index_sync import IndexSync
from services.memory.core.models import Memory, MemoryState, Namespace, NamespaceKind
from services.memory.core.ports import Embedder
from services.memory.core.quota import Quota
from services.memory.core.vectors import finite, pack
from shared.errors import AlreadyExists, FailedPrecondition, InvalidArgument, NotFound
from shared.resources.entity import utc_now
from shared.resources.filters import MATCH_ALL, Filter
from shared.resources.pages import Page, PageRequest

UPDATABLE_FIELDS = ("content", "kind", "importance", "metadata", "expire_time", "tags")


class MemoryStore(Protocol):
    """What ``MemoryService`` needs of its repository."""

    async def insert(self, memories: Sequence[Memory],
                     quotas: Mapping[str, Quota]) -> list[Memory]: ...
    async def get(self, tenant: str, id_: str) -> Memory: ...
    async def update(self, entity: Memory, expected_etag: str = "") -> Memory: ...
    async def list_live(self, tenant: str, page: PageRequest, now: dt.datetime,
                        matching: Filter, namespaces: Sequence[str] | None) -> Page[Memory]: ...


# Every tenant's open namespace, made on first use: memories need no set-up to be stored.
DEFAULT_NAMESPACE = "default"


class Namespaces(Protocol):
    """The namespaces a memory may belong to."""

    async def create(self, entity: Namespace) -> Namespace: ...
    async def get(self, tenant: str, id_: str) -> Namespace: ...
    async def all_of(self, tenant: str) -> list[Namespace]: ...


def _check_expire_time(expire_time: dt.datetime | None, now: dt.datetime, field: str) -> None:
    # A memory born expired could never be read back; refuse it rather than store it.
    if expire_time is not None and expire_time <= now:
        raise InvalidArgument.for_field(field, "must be in the future")


def _check_content(content: str, field: str) -> None:
    if not content.strip():
        raise InvalidArgument.for_field(field, "must not be blank")


async def namespace_of(namespaces: Namespaces, tenant: str, namespace_id: str,
                       field: str) -> Namespace:
    """The namespace a request names in ``field``.

    Raises:
        InvalidArgument: There is no such namespace in the tenant.
    """
    try:
        return await namespaces.get(tenant, namespace_id)
    except NotFound:
        if namespace_id == DEFAULT_NAMESPACE:
            return await _default_namespace(namespaces, tenant)
        raise InvalidArgument.for_field(
            field, f"no namespace {namespace_id!r}; create it first (CreateNamespace)",
            reason="NAMESPACE_NOT_FOUND") from None


async def _default_namespace(namespaces: Namespaces, tenant: str) -> Namespace:
    try:
        return await namespaces.create(Namespace(
            tenant=tenant, id=DEFAULT_NAMESPACE, display_name="Default",
            kind=NamespaceKind.TENANT))
    except AlreadyExists:  # made by a concurrent first use
        return await namespaces.get(tenant, DEFAULT_NAMESPACE)


class MemoryService:
    """Memories of every tenant, persisted through ``memories`` and indexed by ``sync``.

    Args:
        memories: Repository of memories.
        namespaces: Repository of namespaces.
        embedder: Embeds new content.
        sync: Applies written rows to the vector index.
        dimensions: The dimension of each embedding model's vectors, as far as known; a
            caller's embedding of another dimension is refused.
    """

    updatable = UPDATABLE_FIELDS

    def __init__(self, memories: MemoryStore, namespaces: Namespaces, embedder: Embedder,
                 sync: IndexSync, embedding_model: str, dimensions: int) -> None:
        self._memories = memories
        self._namespaces = namespaces
        self._embedder = embedder
        self._sync = sync
        self._model = embedding_model
        self._dimensions = dimensions

    async def create(self, memory: Memory) -> Memory:
        """Store and index a new memory. A memory that arrives with a vector but no
        embedding model carries the caller's embedding, by the service's model.

        Raises:
            InvalidArgument: Blank content, an expire_time already past, an unknown
                namespace or an embedding of the wrong dimension.
            PermissionDenied: The caller may not write the namespace.
            ResourceExhausted: The namespace is full.
        """
        return (await self.create_many([memory], prefix="memory"))[0]

    async def create_many(self, memories: Sequence[Memory],
                          prefix: str = "requests[{i}].memory") -> list[Memory]:
        """Store and index ``memories`` (all of one tenant), all or none.

        ``prefix`` names each memory's fields in errors (``{i}`` is its index).
        """
        now = utc_now()
        tenant = memories[0].tenant
        namespaces: dict[str, Namespace] = {}
        prepared: list[Memory] = []
        to_embed: list[int] = []
        for i, memory in enumerate(memories):
            field = prefix.format(i=i)
            _check_content(memory.content, f"{field}.content")
            _check_expire_time(memory.expire_time, now, f"{field}.expire_time")
            if memory.namespace not in namespaces:
                namespace = await namespace_of(self._namespaces, tenant, memory.namespace,
                                               f"{field}.namespace")
                namespaces[memory.namespace] = namespace
            require(namespaces[memory.namespace], caller(memory.source_agent, optional=True),
                    Grant.WRITE)
            fresh: dict[str, object] = {
                "size_bytes": len(memory.content.encode()), "version": 1,
                "state": MemoryState.ACTIVE, "indexed": False, "deleted": False}
            if memory.vector:
                dimensions = len(memory.vector) // 4
                if not finite(memory.vector):
                    raise InvalidArgument.for_field(f"{field}.embedding",
                                                    "must hold finite numbers only")
                if dimensions != self._dimensions:
                    raise InvalidArgument.for_field(
                        f"{field}.embedding",
                        f"has {dimensions} dimensions; {self._model} has {self._dimensions}",
                        reason="EMBEDDING_DIMENSION_MISMATCH")
                fresh.update(embedding_model=self._model, embedding_dimensions=dimensions)
            else:
                to_embed.append(i)
            prepared.append(dataclasses.replace(memory, **fresh))  # type: ignore[arg-type]
        if to_embed:
            embedded = await self._embedder.embed(tenant, [prepared[i].content for i in to_embed])
            for i, vector in zip(to_embed, embedded.vectors, strict=True):
                prepared[i] = self._embedded(prepared[i], vector, embedded.model)
        quotas = {n.id: Quota.of(n) for n in namespaces.values()}
        stored = await self._memories.insert(prepared, quotas)
        await self._sync.try_apply(stored)
        return stored

    @staticmethod
    def _embedded(memory: Memory, vector: Sequence[float], model: str) -> Memory:
        return dataclasses.replace(memory, vector=pack(vector), embedding_model=model,
                                   embedding_dimensions=len(vector))

    async def get(self, tenant: str, memory_id: str, *, grant: Grant = Grant.READ) -> Memory:
        """A live memory the caller may read (or hold ``grant`` on).

        Raises:
            NotFound: No such memory, or it has expired or been deleted.
            PermissionDenied: The caller may not read its namespace.
        """
        memory = await self._memories.get(tenant, memory_id)
        if memory.deleted or memory.expired(utc_now()):
            raise NotFound(f"memory {memory_id!r} not found", reason="MEMORY_NOT_FOUND",
                           metadata={"id": memory_id})
        namespace = await self._namespaces.get(tenant, memory.namespace)
        require(namespace, caller(), grant)
        return memory

    async def list(self, tenant: str, page: PageRequest,
                   matching: Filter = MATCH_ALL) -> Page[Memory]:
        """One page of the live memories that ``matching`` selects in the namespaces the
        caller may read, newest first."""
        readable = await readable_namespaces(self._namespaces, tenant, caller())
        return await self._memories.list_live(tenant, page, utc_now(), matching,
                                              [n.id for n in readable])

    async def update(self, tenant: str, memory_id: str, changes: Mapping[str, Any],
                     etag: str = "") -> Memory:
        """Apply ``changes`` (a subset of UPDATABLE_FIELDS) to a live memory; new content is
        embedded again.

        Raises:
            NotFound: No such memory, or it has expired.
            InvalidArgument: Blank content, or a new expire_time already past.
            PermissionDenied: The caller may not write its namespace.
        """
        if "expire_time" in changes:
            _check_expire_time(changes["expire_time"], utc_now(), "memory.expire_time")
        if "content" in changes:
            _check_content(changes["content"], "memory.content")
        current = await self.get(tenant, memory_id, grant=Grant.WRITE)
        changed = dataclasses.replace(current, **changes, version=current.version + 1)
        if "content" in changes and changes["content"] != current.content:
            embedded = await self._embedder.embed(tenant, [changed.content])
            changed = dataclasses.replace(
                self._embedded(changed, embedded.vectors[0], embedded.model),
                size_bytes=len(changed.content.encode()), indexed=False)
        return await self._write(changed, etag)

    async def delete(self, tenant: str, memory_id: str) -> None:
        """Forget a memory: its row is hidden at once and removed with its vector."""
        current = await self.get(tenant, memory_id, grant=Grant.WRITE)
        await self._write(dataclasses.replace(current, deleted=True,
                                              version=current.version + 1))

    async def archive(self, tenant: str, memory_id: str) -> Memory:
        """Take a memory out of search, keeping it readable.

        Raises:
            FailedPrecondition: It is archived already.
        """
        return await self._move(tenant, memory_id, MemoryState.ACTIVE, MemoryState.ARCHIVED)

    async def restore(self, tenant: str, memory_id: str) -> Memory:
        """Bring an archived memory back into search.

        Raises:
            FailedPrecondition: It is not archived.
        """
        return await self._move(tenant, memory_id, MemoryState.ARCHIVED, MemoryState.ACTIVE)

    async def _move(self, tenant: str, memory_id: str, source: MemoryState,
                    target: MemoryState) -> Memory:
        current = await self.get(tenant, memory_id, grant=Grant.WRITE)
        if current.state is not source:
            raise FailedPrecondition(
                f"memory {memory_id!r} is {current.state.lower()}, not {source.lower()}",
                reason=f"MEMORY_{current.state}")
        return await self._write(dataclasses.replace(current, state=target,
                                                     version=current.version + 1))

    async def _write(self, memory: Memory, etag: str = "") -> Memory:
        stored = await self._memories.update(dataclasses.replace(memory, indexed=False), etag)
        await self._sync.try_apply([stored])
        return stored


async def readable_namespaces(namespaces: Namespaces, tenant: str,
                              principals: Principals) -> list[Namespace]:
    """The tenant's namespaces ``principals`` may read."""
    return [n for n in await namespaces.all_of(tenant) if granted(n, principals) is not None]
