"""The local embedding model against the offline hash embedder, in one run: sentences/s of each
in batches of 1, 32 and 256, through the provider in this process and through the ai-runtime's
Embed RPC, their recall@5 on the labelled set, and what the model costs in disk and memory.

Usage: python -m bench.embeddings [--rounds 3] [--models-dir var/data/models]

The model is all-MiniLM-L6-v2 as ``cognos models install all-minilm-l6-v2`` put it under
``--models-dir`` (verified again here). The texts are the labelled set's memories
(``tests/memory_recall_set.py``), taken in turn. The RPC path is Embed on an ai-runtime in this
process (its boundary, router gate, metering and storage) routed to one provider only, called
one request at a time with a service credential. The offline hash embedder is the baseline:
each model figure is printed with its ratio to it.
"""

from __future__ import annotations

import argparse
import asyncio
import importlib.metadata
import itertools
import logging
import os
import pathlib
import statistics
import tempfile
import time
from collections.abc import Awaitable, Callable, Sequence

import grpc
import numpy as np
from packaging.requirements import Requirement

from cognition.runtime.v1 import runtime_service_pb2 as pb
from cognition.runtime.v1 import runtime_service_pb2_grpc as pb_grpc
from cognos.credentials import bearer_credentials
from cognos.models.registry import model_named
from cognos.models.weights import prepare
from services.ai_runtime.config import Settings
from services.ai_runtime.core.providers.base import Provider
from services.ai_runtime.core.providers.offline import OfflineProvider
from services.ai_runtime.core.providers.sentence_embeddings import SentenceEmbeddingProvider
from services.ai_runtime.server import create_server
from shared.config import MeshSettings
from shared.rpc.credentials import mesh_call_credential
from tests.memory_recall_set import MEMORIES, QUERIES, recall_at_k

MODEL = "all-minilm-l6-v2"
BATCHES = (1, 32, 256)
# Sentences embedded per batch size and round: enough calls that one slow call does not rule.
SENTENCES = {1: 48, 32: 256, 256: 512}
Embed = Callable[[Sequence[str]], Awaitable[object]]


def texts(count: int) -> list[str]:
    """``count`` memories of the labelled set, in turn."""
    return [text for _, text in itertools.islice(itertools.cycle(MEMORIES), count)]


async def rate(embed: Embed, batch: int) -> float:
    """Sentences per second of ``embed`` called with ``batch`` texts at a time."""
    sentences = texts(SENTENCES[batch])
    started = time.perf_counter()
    for i in range(0, len(sentences), batch):
        await embed(sentences[i:i + batch])
    return len(sentences) / (time.perf_counter() - started)


async def recall(provider: Provider) -> float:
    """recall@5 of ``provider`` on the labelled set, ranked by cosine similarity."""
    memories = np.array((await provider.embed([t for _, t in MEMORIES])).vectors)
    queries = np.array((await provider.embed([q for q, _ in QUERIES])).vectors)
    memories /= np.linalg.norm(memories, axis=1, keepdims=True)
    queries /= np.linalg.norm(queries, axis=1, keepdims=True)
    ids = [memory_id for memory_id, _ in MEMORIES]
    ranked = [[ids[j] for j in np.argsort(-row, kind="stable")]
              for row in queries @ memories.T]
    return recall_at_k(ranked, 5)


def rpc_embed(stub: pb_grpc.RuntimeServiceStub) -> Embed:
    async def embed(batch: Sequence[str]) -> object:
        return await stub.Embed(pb.EmbedRequest(parent="tenants/bench", texts=batch),
                                timeout=120)
    return embed


async def through_runtime(route: str, model_dir: pathlib.Path, var: pathlib.Path,
                          rounds: int) -> dict[int, list[float]]:
    """Sentences/s per batch size of Embed on a runtime whose embed route is ``route``."""
    settings = Settings(port=0, embed_route=[route], local_embedding_dir=model_dir,
                        mesh=MeshSettings(data_dir=var / route))
    running = await create_server(settings)
    credential = mesh_call_credential(settings.mesh.mesh_keys(), "bench",
                                      ["completions.write"])

    async def bearer(_request: object) -> str:
        return credential

    figures: dict[int, list[float]] = {batch: [] for batch in BATCHES}
    try:
        async with grpc.aio.insecure_channel(f"127.0.0.1:{running.port}",
                                             interceptors=bearer_credentials(bearer)
                                             ) as channel:
            embed = rpc_embed(pb_grpc.RuntimeServiceStub(channel))
            await embed(texts(8))  # the model loaded, the path warm
            for _ in range(rounds):
                for batch in BATCHES:
                    figures[batch].append(await rate(embed, batch))
    finally:
        await running.stop(0)
    return figures


def _closure(names: Sequence[str]) -> set[str]:
    """The installed distributions ``names`` need, themselves included (no extras)."""
    seen: set[str] = set()
    todo = list(names)
    while todo:
        name = todo.pop().lower().replace("_", "-")
        if name in seen:
            continue
        try:
            requires = importlib.metadata.distribution(name).requires or []
        except importlib.metadata.PackageNotFoundError:
            continue
        seen.add(name)
        for text in requires:
            requirement = Requirement(text)
            if requirement.marker is None or requirement.marker.evaluate({"extra": ""}):
                todo.append(requirement.name)
    return seen


def _size(name: str) -> int:
    files = importlib.metadata.distribution(name).files or []
    return sum(path.stat().st_size for path in (pathlib.Path(str(f.locate())) for f in files)
               if path.is_file())


def install_sizes() -> tuple[dict[str, int], dict[str, int]]:
    """Bytes of torch and sentence-transformers, and of every distribution the project
    installs only for them (themselves included), by name."""
    requires = importlib.metadata.distribution("cognitionos").requires or []
    project = [Requirement(text).name for text in requires if "extra ==" not in text]
    runtime = {"torch", "sentence-transformers"}
    others = _closure([name for name in project if name not in runtime])
    only_for_them = _closure(sorted(runtime)) - others
    return ({name: _size(name) for name in sorted(runtime)},
            {name: _size(name) for name in sorted(only_for_them)})


def rss_mib() -> float:
    """This process's resident memory, MiB."""
    pages = int(pathlib.Path("/proc/self/statm").read_text().split()[1])
    return pages * os.sysconf("SC_PAGE_SIZE") / 2**20


async def run(rounds: int, models_dir: pathlib.Path) -> None:
    model_dir = prepare(model_named(MODEL), models_dir, print, install=False)
    before = rss_mib()
    started = time.perf_counter()
    model = SentenceEmbeddingProvider(MODEL, model_dir)
    await model.embed(["the first call imports torch and loads the model"])
    load_seconds = time.perf_counter() - started
    loaded = rss_mib()
    offline = OfflineProvider()
    direct: dict[str, dict[int, list[float]]] = {
        name: {batch: [] for batch in BATCHES} for name in ("model", "offline")}
    for _ in range(rounds):  # alternate, so drift in the machine's load hits both alike
        for batch in BATCHES:
            direct["model"][batch].append(await rate(model.embed, batch))
            direct["offline"][batch].append(await rate(offline.embed, batch))
    with tempfile.TemporaryDirectory() as var_text:
        var = pathlib.Path(var_text)
        rpc = {"model": await through_runtime("local-embeddings", model_dir, var, rounds),
               "offline": await through_runtime("offline", model_dir, var, rounds)}
    recalls = {"model": await recall(model), "offline": await recall(offline)}
    own, only_for_them = install_sizes()

    print(f"{os.cpu_count()} CPUs, load average {os.getloadavg()[0]:.2f}; median of {rounds} "
          f"rounds; sentences/s (model / offline hash)")
    print(f"{'batch':>5} {'path':<7} {MODEL:>17} {'offline hash':>13} {'ratio':>8}")
    for batch in BATCHES:
        for path, figures in (("direct", direct), ("Embed", rpc)):
            m, o = (statistics.median(figures[n][batch]) for n in ("model", "offline"))
            print(f"{batch:>5} {path:<7} {m:>17.1f} {o:>13.0f} {m / o:>8.4f}")
    for batch in BATCHES:
        m_direct, m_rpc = (statistics.median(f["model"][batch]) for f in (direct, rpc))
        print(f"batch {batch}: Embed RPC overhead on the model x{m_direct / m_rpc:.2f}")
    print(f"recall@5 on {len(QUERIES)} queries over {len(MEMORIES)} memories: "
          f"{MODEL} {recalls['model']:.3f}, offline hash {recalls['offline']:.3f}")
    print(f"first embed (import torch, load the model): {load_seconds:.1f} s; resident memory "
          f"{before:.0f} -> {loaded:.0f} MiB (+{loaded - before:.0f})")
    largest = sorted(only_for_them.items(), key=lambda item: -item[1])[:6]
    print("installed: " + ", ".join(f"{name} {size / 1e6:.0f} MB" for name, size in own.items())
          + f"; with the {len(only_for_them)} distributions only they need: "
          f"{sum(only_for_them.values()) / 1e6:.0f} MB ("
          + ", ".join(f"{name} {size / 1e6:.0f}" for name, size in largest) + ", ...)")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--models-dir", type=pathlib.Path,
                        default=pathlib.Path("var/data/models"))
    args = parser.parse_args()
    # The runtime's audit entries find no audit-log here; its retries are not the bench's.
    logging.basicConfig(level=logging.ERROR)
    asyncio.run(run(args.rounds, args.models_dir))


if __name__ == "__main__":
    main()
