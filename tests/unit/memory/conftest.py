"""Fixtures of the memory service's unit tests: a migrated SQLite database, a milvus-lite
vector index, and the service's domain wired to them with a small word-hashing embedder in
place of the AI runtime (the real model's retrieval is tested through the mesh)."""

from __future__ import annotations

import dataclasses
import hashlib
import pathlib
import re
from collections.abc import AsyncIterator, Iterator, Sequence

import numpy as np
import pytest

from services.memory.core.index_sync import IndexSync
from services.memory.core.memories import MemoryService
from services.memory.core.models import Namespace
from services.memory.core.namespaces import NamespaceService
from services.memory.core.ports import Embedded
from services.memory.core.reads import ReadBuffer
from services.memory.core.search import MemorySearch
from services.memory.repository import (
    MemoryRepository,
    NamespaceRepository,
    ReadLog,
    memory_repository,
    namespace_repository,
)
from services.memory.server import MIGRATIONS
from services.memory.vector_index import MilvusIndex
from shared import context
from shared.database import DatabaseConnection
from shared.database.migrations import upgrade

WORDS_MODEL = "test-word-hashing"
WORDS_DIMENSIONS = 64


class WordEmbedder:
    """Each word of a text hashed into one of 64 buckets: texts sharing words are close."""

    model = WORDS_MODEL

    def __init__(self) -> None:
        self.calls = 0

    async def embed(self, tenant: str, texts: Sequence[str]) -> Embedded:
        self.calls += 1
        return Embedded([vector_of(text) for text in texts], self.model)


def vector_of(text: str) -> list[float]:
    vector = np.zeros(WORDS_DIMENSIONS, dtype=np.float32)
    for word in re.findall(r"[a-z0-9]+", text.lower()):
        vector[int.from_bytes(hashlib.sha256(word.encode()).digest()[:4], "big")
               % WORDS_DIMENSIONS] += 1.0
    norm = float(np.linalg.norm(vector))
    return (vector / norm if norm else vector).tolist()


@dataclasses.dataclass
class Memories:
    """The memory service's domain on a real database and vector index."""

    db: DatabaseConnection
    rows: MemoryRepository
    namespace_rows: NamespaceRepository
    index: MilvusIndex
    embedder: WordEmbedder
    sync: IndexSync
    reads: ReadBuffer
    memories: MemoryService
    namespaces: NamespaceService
    search: MemorySearch

    async def namespace(self, namespace_id: str, tenant: str = "acme",
                        **fields: object) -> Namespace:
        return await self.namespace_rows.create(Namespace(tenant=tenant, id=namespace_id,
                                                          **fields))  # type: ignore[arg-type]


@pytest.fixture(params=["sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)])
async def db(request: pytest.FixtureRequest,
             tmp_path: pathlib.Path) -> AsyncIterator[DatabaseConnection]:
    """The memory service's migrated database, on SQLite and (when reachable) PostgreSQL."""
    if request.param == "sqlite":
        database = DatabaseConnection(f"sqlite+aiosqlite:///{tmp_path}/x.db")
    else:
        database = DatabaseConnection(request.getfixturevalue("postgres_url"),
                                      schema=request.getfixturevalue("postgres_schema"))
    await upgrade(database, MIGRATIONS)
    yield database
    await database.dispose()


@pytest.fixture(scope="session")
async def milvus(tmp_path_factory: pytest.TempPathFactory) -> AsyncIterator[MilvusIndex]:
    # One milvus-lite process for the session (each takes seconds to start).
    vectors = MilvusIndex(str(tmp_path_factory.mktemp("milvus") / "vectors.db"))
    yield vectors
    await vectors.close()


@pytest.fixture
async def index(milvus: MilvusIndex) -> AsyncIterator[MilvusIndex]:
    yield milvus
    await milvus.clear()


def compose(db: DatabaseConnection, index: MilvusIndex) -> Memories:
    rows, namespace_rows = memory_repository(db), namespace_repository(db)
    embedder = WordEmbedder()
    sync = IndexSync(rows, index)
    reads = ReadBuffer(ReadLog(db))
    return Memories(db, rows, namespace_rows, index, embedder, sync, reads,
                    MemoryService(rows, namespace_rows, embedder, sync, WORDS_MODEL,
                                  WORDS_DIMENSIONS),
                    NamespaceService(namespace_rows),
                    MemorySearch(rows, namespace_rows, embedder, index, reads, WORDS_MODEL,
                                 WORDS_DIMENSIONS))


@pytest.fixture
def parts(db: DatabaseConnection, index: MilvusIndex) -> Memories:
    return compose(db, index)


@pytest.fixture
def as_ada() -> Iterator[context.CallContext]:
    """Calls made as the user ada of tenant acme."""
    with context.bind(context.CallContext(tenant="acme", subject="tenants/acme/users/ada")) as ctx:
        yield ctx
