"""Memory search and ingest through the memory service against bare Milvus, one run.

Usage: python -m bench.memory_search [--memories 100000] [--queries 200] [--batch 500]
                                     [--streams 1] [--uri http://host:19530]

Ingest: BatchCreateMemories of memories that carry their embedding (random unit vectors of
384 dimensions: embedding time excluded), through the service's whole RPC stack, SQLite and
the vector index (a milvus-lite file, or the Milvus server of --uri), one batch at a time
(--streams for more in flight); a batch is answered once its memories are stored and
indexed. Search: SearchMemories with the query's embedding (top 10 of one namespace) through
the service, against a bare pymilvus search of the same collection (same filter, same limit)
while the service is stopped (milvus-lite locks its file to one process).
Targets (memory issue): ingest >= 2,000 memories/s; search p50 <= 2x the bare query and
under 20 ms.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import secrets
import statistics
import tempfile
import time

import grpc
import numpy as np

from bench.envoy_overhead import percentile
from cognition.memory.v1 import memory_pb2
from cognition.memory.v1 import memory_service_pb2 as pb
from cognition.memory.v1 import memory_service_pb2_grpc as pb_grpc
from services.memory.config import Settings
from services.memory.server import create_server
from services.memory.vector_index import collection_name
from shared.context import AUTHORIZATION_HEADER
from shared.mesh.keys import MeshKeys
from shared.rpc.credentials import mesh_call_credential

TENANT = "bench"
NAMESPACE = "default"
MODEL = "bench-random-unit"
DIMENSIONS = 384
TOP_K = 10


def unit_vectors(count: int, rng: np.random.Generator) -> np.ndarray:
    vectors = rng.standard_normal((count, DIMENSIONS)).astype(np.float32)
    return vectors / np.linalg.norm(vectors, axis=1, keepdims=True)


async def ingest(stub: pb_grpc.MemoryServiceStub, metadata: list[tuple[str, str]],
                 total: int, batch: int, rng: np.random.Generator, streams: int) -> float:
    """Memories per second stored (and indexed) through BatchCreateMemories, ``streams``
    batches in flight."""
    starts = iter(range(0, total, batch))

    async def worker() -> None:
        for start in starts:
            vectors = unit_vectors(min(batch, total - start), rng)
            await stub.BatchCreateMemories(pb.BatchCreateMemoriesRequest(
                parent=f"tenants/{TENANT}", requests=[
                    pb.CreateMemoryRequest(parent=f"tenants/{TENANT}", memory=memory_pb2.Memory(
                        namespace=NAMESPACE, content=f"memory {start + i}: a remembered fact",
                        embedding=vector.tolist()))
                    for i, vector in enumerate(vectors)]), metadata=metadata, timeout=120)

    started = time.perf_counter()
    await asyncio.gather(*(worker() for _ in range(streams)))
    return total / (time.perf_counter() - started)


async def service_search(stub: pb_grpc.MemoryServiceStub, metadata: list[tuple[str, str]],
                         queries: np.ndarray) -> list[float]:
    latencies = []
    for vector in queries:
        started = time.perf_counter()
        await stub.SearchMemories(pb.SearchMemoriesRequest(
            parent=f"tenants/{TENANT}", namespace=NAMESPACE, query="bench", top_k=TOP_K,
            query_embedding=vector.tolist()), metadata=metadata, timeout=60)
        latencies.append((time.perf_counter() - started) * 1000)
    return latencies


def drop_collection(uri: str) -> None:
    """A Milvus server keeps collections between runs: start from none."""
    from pymilvus import MilvusClient  # type: ignore[import-untyped]

    client = MilvusClient(uri)
    client.drop_collection(collection_name(MODEL, DIMENSIONS))
    client.close()


def bare_search(uri: str, queries: np.ndarray, limit: int) -> list[float]:
    from pymilvus import MilvusClient  # type: ignore[import-untyped]

    client = MilvusClient(uri)
    name = collection_name(MODEL, DIMENSIONS)
    client.load_collection(name)
    where = f"tenant == {json.dumps(TENANT)} and namespace in {json.dumps([NAMESPACE])}"
    latencies = []
    for vector in queries:
        started = time.perf_counter()
        client.search(name, data=[vector.tolist()], filter=where, limit=limit,
                      output_fields=["key"])
        latencies.append((time.perf_counter() - started) * 1000)
    client.close()
    return latencies


async def run(memories: int, queries: int, batch: int, streams: int, uri: str = "") -> None:
    rng = np.random.default_rng(7)
    probes = unit_vectors(queries, rng)
    with tempfile.TemporaryDirectory() as var:
        mesh_secret = secrets.token_hex(32)
        settings = Settings(port=0, mesh={"data_dir": var, "mesh_secret": mesh_secret},
                            embedding_model=MODEL, embedding_dimensions=DIMENSIONS,
                            vector_uri=uri)
        if uri:
            await asyncio.to_thread(drop_collection, uri)
        credential = mesh_call_credential(MeshKeys.from_text(mesh_secret), "bench",
                                          ("memories.read", "memories.write"), tenant=TENANT)
        metadata = [(AUTHORIZATION_HEADER, f"Bearer {credential}")]
        stack = await create_server(settings)
        async with grpc.aio.insecure_channel(f"127.0.0.1:{stack.port}") as channel:
            stub = pb_grpc.MemoryServiceStub(channel)
            rate = await ingest(stub, metadata, memories, batch, rng, streams)
            await service_search(stub, metadata, probes[:10])  # warm up
            first = await service_search(stub, metadata, probes)
        await stack.stop(0)
        bare = await asyncio.to_thread(bare_search, settings.resolved_vector_uri(), probes,
                                       TOP_K * 4)
        stack = await create_server(settings)
        async with grpc.aio.insecure_channel(f"127.0.0.1:{stack.port}") as channel:
            stub = pb_grpc.MemoryServiceStub(channel)
            await service_search(stub, metadata, probes[:10])
            second = await service_search(stub, metadata, probes)
        await stack.stop(0)
    report(memories, batch, streams, rate, first + second, bare,
           "a Milvus server" if uri else "milvus-lite")


def report(memories: int, batch: int, streams: int, rate: float, service: list[float],
           bare: list[float], index: str) -> None:
    p50_service, p50_bare = statistics.median(service), statistics.median(bare)
    ratio = p50_service / p50_bare
    print(f"ingest, {memories} memories of {DIMENSIONS} dimensions in batches of {batch} "
          f"and {streams} in flight (embedding excluded): {rate:.0f} memories/s (target >= 2000) "
          f"{'PASS' if rate >= 2000 else 'MISS'}")
    print(f"search at {memories} memories, top {TOP_K}: bare {index} p50 {p50_bare:.1f} ms "
          f"p99 {percentile(bare, 99):.1f} ms | through the service p50 {p50_service:.1f} ms "
          f"p99 {percentile(service, 99):.1f} ms")
    print(f"  ratio {ratio:.2f} (target <= 2.00) {'PASS' if ratio <= 2 else 'MISS'}; "
          f"service p50 under 20 ms {'PASS' if p50_service < 20 else 'MISS'}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--memories", type=int, default=100_000)
    parser.add_argument("--queries", type=int, default=200)
    parser.add_argument("--batch", type=int, default=500)
    parser.add_argument("--streams", type=int, default=1)
    parser.add_argument("--uri", default="", help="a Milvus server (http://host:19530) "
                        "instead of a milvus-lite file")
    args = parser.parse_args()
    asyncio.run(run(args.memories, args.queries, args.batch, args.streams, args.uri))


if __name__ == "__main__":
    main()
