"""The memories' vectors in Milvus: milvus-lite (a file, the embedded default) or a Milvus
server (a URI), through the same pymilvus client.

One collection per embedding model and dimension (``memories_<model>_<dimension>``), with the
memory's key, tenant and namespace beside its vector; cosine similarity. Only active memories
have a vector here; the SQL row is the record, and this index is rebuilt from it when they
disagree (:mod:`services.memory.core.index_sync`). pymilvus is synchronous, so every call runs
on one worker thread, off the event loop.
"""

from __future__ import annotations

import asyncio
import concurrent.futures
import json
import logging
import pathlib
import re
from collections.abc import Sequence
from typing import Any

from services.memory.core.models import Memory
from services.memory.core.ports import Hit
from services.memory.core.vectors import unpack
from shared.errors import Unavailable

KEY_LENGTH = 160  # tenant (64) + "/" + id (64), with room


def _not_a_milvus_lite_gap(record: logging.LogRecord) -> bool:
    # pymilvus asks for methods milvus-lite's in-process server does not serve
    # (AllocTimestamp) and goes on without them; the server thread logs each as an error.
    error = record.exc_info[1] if record.exc_info else None
    return not isinstance(error, NotImplementedError)


# The synchronous gRPC server is milvus-lite's alone here (the services run grpc.aio).
logging.getLogger("grpc._server").addFilter(_not_a_milvus_lite_gap)


def collection_name(model: str, dimensions: int) -> str:
    """The collection holding ``model``'s vectors."""
    return f"memories_{re.sub(r'[^A-Za-z0-9]', '_', model)}_{dimensions}"


def _key(tenant: str, memory_id: str) -> str:
    return f"{tenant}/{memory_id}"


class MilvusIndex:
    """Vectors of active memories in Milvus.

    Args:
        uri: A milvus-lite file (``var/memory/vectors.db``) or a server (``http://host:19530``).
        token: The server's credential, if it wants one.
    """

    def __init__(self, uri: str, token: str = "") -> None:
        self._uri = uri
        self._token = token
        self._pool = concurrent.futures.ThreadPoolExecutor(1, thread_name_prefix="milvus")
        self._client: Any = None
        self._collections: set[str] = set()
        # Collections written since their last flush: writes are in milvus-lite's write-ahead
        # log at once, and sealed into segments by flush() in the background.
        self._dirty: set[str] = set()

    async def _run(self, work: Any, *args: Any) -> Any:
        try:
            return await asyncio.get_running_loop().run_in_executor(self._pool, work, *args)
        except Unavailable:
            raise
        except Exception as error:
            raise Unavailable(f"the vector index cannot be reached: {error}",
                              reason="VECTOR_INDEX_UNAVAILABLE") from error

    def _connect(self) -> Any:
        if self._client is None:
            from pymilvus import MilvusClient  # type: ignore[import-untyped]

            if "://" not in self._uri:
                pathlib.Path(self._uri).parent.mkdir(parents=True, exist_ok=True)
            self._client = MilvusClient(self._uri, token=self._token)
        return self._client

    def _existing(self, model: str, dimensions: int) -> str | None:
        """The loaded collection of ``model``'s vectors, or None when there is none."""
        name = collection_name(model, dimensions)
        if name in self._collections:
            return name
        client = self._connect()
        if not client.has_collection(name):
            return None
        client.load_collection(name)
        self._collections.add(name)
        return name

    def _ensured(self, model: str, dimensions: int) -> str:
        """The loaded collection of ``model``'s vectors, created when missing."""
        name = self._existing(model, dimensions)
        if name is None:
            name = collection_name(model, dimensions)
            self._create(self._connect(), name, dimensions)
            self._connect().load_collection(name)
            self._collections.add(name)
        return name

    @staticmethod
    def _create(client: Any, name: str, dimensions: int) -> None:
        from pymilvus import DataType, MilvusClient

        schema = MilvusClient.create_schema(auto_id=False, enable_dynamic_field=False)
        schema.add_field("key", DataType.VARCHAR, is_primary=True, max_length=KEY_LENGTH)
        schema.add_field("tenant", DataType.VARCHAR, max_length=64)
        schema.add_field("namespace", DataType.VARCHAR, max_length=128)
        schema.add_field("vector", DataType.FLOAT_VECTOR, dim=dimensions)
        index = client.prepare_index_params()
        index.add_index("vector", index_type="FLAT", metric_type="COSINE")
        client.create_collection(name, schema=schema, index_params=index)

    async def upsert(self, memories: Sequence[Memory]) -> None:
        """Add or replace the vectors of ``memories``."""
        await self._run(self._upsert, list(memories))

    def _upsert(self, memories: list[Memory]) -> None:
        client = self._connect()
        for (model, dimensions), group in _by_collection(memories).items():
            name = self._ensured(model, dimensions)
            client.upsert(name, [{"key": _key(m.tenant, m.id), "tenant": m.tenant,
                                  "namespace": m.namespace, "vector": unpack(m.vector).tolist()}
                                 for m in group])
            self._dirty.add(name)

    async def remove(self, memories: Sequence[Memory]) -> None:
        """Drop the vectors of ``memories`` (those without one are skipped)."""
        await self._run(self._remove, list(memories))

    def _remove(self, memories: list[Memory]) -> None:
        client = self._connect()
        for (model, dimensions), group in _by_collection(memories).items():
            name = self._existing(model, dimensions)
            if name is not None:
                client.delete(name, ids=[_key(m.tenant, m.id) for m in group])
                self._dirty.add(name)

    async def search(self, model: str, vector: Sequence[float], tenant: str,
                     namespaces: Sequence[str], limit: int) -> list[Hit]:
        """The ``limit`` vectors of ``tenant``'s ``namespaces`` closest to ``vector``."""
        hits: list[Hit] = await self._run(self._search, model, list(vector), tenant,
                                          list(namespaces), limit)
        return hits

    def _search(self, model: str, vector: list[float], tenant: str, namespaces: list[str],
                limit: int) -> list[Hit]:
        name = self._existing(model, len(vector))
        if name is None or not namespaces:
            return []
        where = f"tenant == {json.dumps(tenant)} and namespace in {json.dumps(namespaces)}"
        results = self._connect().search(name, data=[vector], filter=where, limit=limit,
                                         output_fields=["key"])
        hits = []
        for hit in results[0]:
            key = hit["entity"]["key"] if "entity" in hit else hit["id"]
            hit_tenant, _, memory_id = str(key).partition("/")
            hits.append(Hit(hit_tenant, memory_id, float(hit["distance"])))
        return hits

    async def keys(self, model: str, dimensions: int) -> set[str]:
        """Every key in ``model``'s collection (for consistency checks)."""
        keys: set[str] = await self._run(self._keys, model, dimensions)
        return keys

    def _keys(self, model: str, dimensions: int) -> set[str]:
        name = self._existing(model, dimensions)
        if name is None:
            return set()
        rows = self._connect().query(name, filter='key != ""', output_fields=["key"])
        return {row["key"] for row in rows}

    async def flush(self) -> None:
        """Seal what was written since the last flush into segments (searched faster than
        the write buffer)."""
        await self._run(self._flush)

    def _flush(self) -> None:
        dirty, self._dirty = self._dirty, set()
        for name in dirty:
            self._connect().flush(name)

    async def clear(self) -> None:
        """Drop every collection of memories: an empty index, to be rebuilt from the rows."""
        await self._run(self._clear)

    def _clear(self) -> None:
        client = self._connect()
        for name in client.list_collections():
            if name.startswith("memories_"):
                client.drop_collection(name)
        self._collections.clear()
        self._dirty.clear()

    async def close(self) -> None:
        """Flush, then close the client and its worker thread."""
        if self._client is not None:
            await self._run(self._flush)
            await self._run(self._client.close)
        self._pool.shutdown(wait=True)


def _by_collection(memories: Sequence[Memory]) -> dict[tuple[str, int], list[Memory]]:
    groups: dict[tuple[str, int], list[Memory]] = {}
    for memory in memories:
        if memory.embedding_model and memory.embedding_dimensions:
            groups.setdefault((memory.embedding_model, memory.embedding_dimensions),
                              []).append(memory)
    return groups
