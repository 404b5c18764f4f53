"""The ``local-embeddings`` provider with the real all-MiniLM-L6-v2 on the CPU (installed by the
set-up command, copied and verified here once per module): its recall on the labelled set
beside the offline hash embedder's, its vectors, its lazy load, its turns on the cores, what it
refuses, and the ai-runtime's Embed answering from it."""

from __future__ import annotations

import asyncio
import json
import pathlib
import subprocess
import sys
import threading
from collections.abc import Callable, Sequence
from typing import Any

import numpy as np
import pytest

from cognition.runtime.v1 import runtime_service_pb2 as pb
from cognition.runtime.v1 import runtime_service_pb2_grpc as pb_grpc
from cognos.models.registry import model_named
from cognos.models.weights import prepare
from services.ai_runtime.config import Settings
from services.ai_runtime.core.models import ChatMessage, MessageRole
from services.ai_runtime.core.providers.base import FailureKind, ProviderError, ProviderRequest
from services.ai_runtime.core.providers.offline import embed_text
from services.ai_runtime.core.providers.sentence_embeddings import SentenceEmbeddingProvider
from services.ai_runtime.server import create_server
from shared.config import MeshSettings
from tests.helpers import mesh_channel
from tests.memory_recall_set import MEMORIES, QUERIES, recall_at_k

MODEL = "all-minilm-l6-v2"
REPO = pathlib.Path(__file__).resolve().parents[3]


@pytest.fixture(scope="module")
def model_dir(tmp_path_factory: pytest.TempPathFactory) -> pathlib.Path:
    """The installed model, copied and verified as ``cognos models install`` does."""
    return prepare(model_named(MODEL), tmp_path_factory.mktemp("models"), install=False)


@pytest.fixture(scope="module")
def provider(model_dir: pathlib.Path) -> SentenceEmbeddingProvider:
    return SentenceEmbeddingProvider(MODEL, model_dir, batch_size=32)


def ranked_ids(queries: np.ndarray, memories: np.ndarray) -> list[list[str]]:
    """Memory ids per query, most similar (cosine: the vectors are unit) first."""
    ids = [memory_id for memory_id, _ in MEMORIES]
    return [[ids[j] for j in np.argsort(-row, kind="stable")] for row in queries @ memories.T]


async def test_the_model_finds_the_paraphrased_memories_far_better_than_the_hash(
        provider: SentenceEmbeddingProvider, record_property: Callable[[str, object], None]
        ) -> None:
    memories = await provider.embed([text for _, text in MEMORIES])
    queries = await provider.embed([query for query, _ in QUERIES])
    model_recall = recall_at_k(ranked_ids(np.array(queries.vectors),
                                          np.array(memories.vectors)), 5)
    hash_recall = recall_at_k(ranked_ids(
        np.array([embed_text(query) for query, _ in QUERIES]),
        np.array([embed_text(text) for _, text in MEMORIES])), 5)

    record_property("recall_at_5_all_minilm_l6_v2", round(model_recall, 3))
    record_property("recall_at_5_offline_hash", round(hash_recall, 3))
    print(f"recall@5 over {len(QUERIES)} queries and {len(MEMORIES)} memories: "
          f"{MODEL} {model_recall:.3f}, offline hash {hash_recall:.3f}")
    assert len(MEMORIES) >= 200 and len(QUERIES) >= 50
    assert model_recall >= 0.9
    assert 0.0 <= hash_recall < model_recall


async def test_vectors_are_unit_length_384_wide_and_name_the_model(
        provider: SentenceEmbeddingProvider) -> None:
    embeddings = await provider.embed(["hello world", "a b c"])

    assert embeddings.model == MODEL
    assert [len(vector) for vector in embeddings.vectors] == [384, 384]
    assert np.allclose(np.linalg.norm(np.array(embeddings.vectors), axis=1), 1.0, atol=1e-5)
    # The tokenizer's own count, [CLS] and [SEP] included: 2 + 2 and 3 + 2.
    assert embeddings.usage.input_tokens == 9
    assert embeddings.usage.cost_micros == 0


async def test_the_model_loads_on_the_first_embed_and_not_before(
        model_dir: pathlib.Path) -> None:
    lazy = SentenceEmbeddingProvider(MODEL, model_dir)
    assert not lazy.loaded
    await lazy.embed(["the first call loads the model"])
    assert lazy.loaded

    # A runtime that routes Embed to it, but never embeds, never imports torch.
    probe = ("import sys\n"
             "from services.ai_runtime.config import Settings\n"
             "from services.ai_runtime.server import build_providers\n"
             "providers = build_providers(Settings(embed_route=['local-embeddings']))\n"
             "print('local-embeddings' in providers, sorted({'torch', 'sentence_transformers'}"
             " & set(sys.modules)))\n")
    done = subprocess.run([sys.executable, "-c", probe], cwd=REPO, capture_output=True,
                          text=True, timeout=60, check=True)
    assert done.stdout.strip() == "True []"


async def test_concurrent_calls_take_turns_and_leave_the_event_loop_free(
        provider: SentenceEmbeddingProvider, monkeypatch: pytest.MonkeyPatch) -> None:
    await provider.embed(["loaded"])
    encoder: Any = provider._encoder
    real_encode = encoder.encode
    running, most = 0, 0
    count = threading.Lock()

    def encode(texts: Sequence[str], **options: Any) -> Any:
        nonlocal running, most
        with count:
            running += 1
            most = max(most, running)
        try:
            return real_encode(texts, **options)
        finally:
            with count:
                running -= 1

    monkeypatch.setattr(encoder, "encode", encode)
    ticks = 0

    async def ticker() -> None:
        nonlocal ticks
        while True:
            await asyncio.sleep(0.01)
            ticks += 1

    ticking = asyncio.create_task(ticker())
    try:
        texts = [text for _, text in MEMORIES[:64]]
        results = await asyncio.gather(*(provider.embed(texts) for _ in range(4)))
    finally:
        ticking.cancel()

    assert most == 1  # one batch on the cores at a time
    assert ticks > 10  # the loop went on running while the model worked
    assert all(np.allclose(r.vectors, results[0].vectors, atol=1e-5) for r in results)


async def test_completions_are_unsupported(provider: SentenceEmbeddingProvider) -> None:
    request = ProviderRequest("executor", "executor/v1",
                              [ChatMessage(MessageRole.USER, "Say hi")], 16)
    with pytest.raises(ProviderError) as refused:
        await provider.complete(request)
    assert refused.value.kind is FailureKind.UNSUPPORTED
    with pytest.raises(ProviderError) as refused_stream:
        async for _ in provider.stream(request):
            pass
    assert refused_stream.value.kind is FailureKind.UNSUPPORTED
    with pytest.raises(ProviderError) as empty:
        await provider.embed([])
    assert empty.value.kind is FailureKind.REJECTED


async def test_missing_or_unverified_weights_are_unavailable_and_name_the_command(
        tmp_path: pathlib.Path) -> None:
    with pytest.raises(ProviderError) as missing:
        await SentenceEmbeddingProvider(MODEL, tmp_path / "nowhere").embed(["hi"])
    assert missing.value.kind is FailureKind.UNAVAILABLE
    assert missing.value.message.endswith(f"run: cognos models install {MODEL}")

    changed = tmp_path / "changed"
    changed.mkdir()
    (changed / "model.safetensors").write_bytes(b"not the weights")
    (changed / "model.safetensors.verified").write_text(json.dumps(
        {"size": 90868376, "mtime_ns": 1, "sha256": "0" * 64}))
    unverified = SentenceEmbeddingProvider(MODEL, changed)
    with pytest.raises(ProviderError) as refused:
        await unverified.embed(["hi"])
    assert refused.value.kind is FailureKind.UNAVAILABLE
    assert refused.value.message.endswith(f"run: cognos models install {MODEL} --force")
    assert not unverified.loaded


async def test_the_runtimes_embed_answers_from_the_model_and_falls_back_without_it(
        tmp_path: pathlib.Path, model_dir: pathlib.Path) -> None:
    installed = Settings(port=0, mesh=MeshSettings(data_dir=tmp_path / "installed"),
                         local_embedding_dir=model_dir)
    not_installed = Settings(port=0, mesh=MeshSettings(data_dir=tmp_path / "bare"))
    answers = {}
    for label, settings in (("installed", installed), ("not installed", not_installed)):
        running = await create_server(settings)
        try:
            async with mesh_channel(f"127.0.0.1:{running.port}") as channel:
                stub = pb_grpc.RuntimeServiceStub(channel)
                answers[label] = await stub.Embed(pb.EmbedRequest(
                    parent="tenants/acme", texts=["solar power", "wind farms"]), timeout=60)
                listed = await stub.ListProviders(pb.ListProvidersRequest(), timeout=10)
        finally:
            await running.stop(0)
        local = {p.name: p for p in listed.providers}["providers/local-embeddings"]
        assert (local.model, local.slots, local.in_flight) == (MODEL, 1, 0)

    assert answers["installed"].model == MODEL
    assert [len(e.values) for e in answers["installed"].embeddings] == [384, 384]
    assert answers["installed"].usage.input_tokens == 8
    assert answers["not installed"].model == "offline-hash-embedding-v1"
