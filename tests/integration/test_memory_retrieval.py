"""Retrieval quality through the memory service: the labelled set (252 memories, 102
paraphrased queries) stored with BatchCreateMemories and searched with SearchMemories, the
embeddings from the ai-runtime's Embed with the real all-MiniLM-L6-v2, beside the offline hash
fallback's figure."""

from __future__ import annotations

import pathlib
from collections.abc import Callable

from cognition.memory.v1 import memory_pb2
from cognition.memory.v1 import memory_service_pb2 as pb
from cognition.memory.v1 import memory_service_pb2_grpc as pb_grpc
from cognos.models.registry import DEFAULT_EMBEDDING_MODEL, model_named
from cognos.models.weights import prepare
from services.ai_runtime.config import Settings as RuntimeSettings
from services.ai_runtime.server import create_server as create_runtime
from services.memory.config import Settings
from services.memory.server import create_server
from tests.helpers import mesh_channel
from tests.memory_recall_set import MEMORIES, QUERIES, recall_at_k

TENANT = "recall"


async def recall_through_the_service(var: pathlib.Path, embed_route: list[str],
                                     model_dir: pathlib.Path | None) -> tuple[float, str]:
    """recall@5 of SearchMemories over the labelled set, and the embedding model used."""
    mesh = {"data_dir": str(var)}
    runtime = await create_runtime(RuntimeSettings(port=0, mesh=mesh, embed_route=embed_route,
                                                   local_embedding_dir=model_dir))
    memory = await create_server(Settings(
        port=0, mesh={**mesh, "peers": {"ai-runtime": f"127.0.0.1:{runtime.port}"}}))
    try:
        async with mesh_channel(f"127.0.0.1:{memory.port}") as channel:
            stub = pb_grpc.MemoryServiceStub(channel)
            stored = await stub.BatchCreateMemories(pb.BatchCreateMemoriesRequest(
                parent=f"tenants/{TENANT}", requests=[
                    pb.CreateMemoryRequest(parent=f"tenants/{TENANT}", memory_id=memory_id,
                                           memory=memory_pb2.Memory(namespace="default",
                                                                    content=text))
                    for memory_id, text in MEMORIES]), timeout=300)
            ranked = []
            for query, _ in QUERIES:
                found = await stub.SearchMemories(pb.SearchMemoriesRequest(
                    parent=f"tenants/{TENANT}", query=query, top_k=5), timeout=60)
                ranked.append([r.memory.name.rsplit("/", 1)[1] for r in found.results])
        return recall_at_k(ranked, 5), stored.memories[0].embedding_model
    finally:
        await memory.stop(0)
        await runtime.stop(0)


async def test_recall_at_5_of_the_labelled_set_through_the_service(
        tmp_path: pathlib.Path, record_property: Callable[[str, object], None]) -> None:
    model_dir = prepare(model_named(DEFAULT_EMBEDDING_MODEL), tmp_path / "models",
                        install=False)

    model_recall, model = await recall_through_the_service(
        tmp_path / "model", ["local-embeddings"], model_dir)
    hash_recall, fallback = await recall_through_the_service(
        tmp_path / "hash", ["offline"], None)

    record_property("recall_at_5", {model: model_recall, fallback: hash_recall})
    print(f"\nrecall@5 through SearchMemories: {model} {model_recall:.3f}, "
          f"{fallback} (fallback) {hash_recall:.3f}")
    assert len(MEMORIES) >= 200 and len(QUERIES) >= 50
    assert model == DEFAULT_EMBEDDING_MODEL
    assert model_recall >= 0.9
    assert fallback == "offline-hash-embedding-v1" and hash_recall < model_recall
