"""``local-embeddings``: sentence embeddings from a model on this machine's CPU (by default
all-MiniLM-L6-v2, 384 dimensions), loaded with sentence-transformers from the directory
``cognos models install <model>`` copied and verified.

The model is loaded on the first embed, not when the runtime starts: torch costs a process
seconds to import and hundreds of MiB it may never need. Loading and encoding run in a worker
thread, one batch at a time (a batch already uses every core), so the event loop never waits
on them; a call whose caller gave up still finishes its batch before the next one starts.
Weights without the installer's mark (``model.safetensors.verified`` matching the file's size
and modification time) are not loaded: the call fails UNAVAILABLE, naming the command that
installs them, and the router falls back to the next provider. It serves no completions.
"""

from __future__ import annotations

import asyncio
import json
import pathlib
import threading
from collections.abc import AsyncIterator, Sequence
from typing import TYPE_CHECKING

from services.ai_runtime.core.models import Embeddings, Usage
from services.ai_runtime.core.providers.base import (
    FailureKind,
    ProviderError,
    ProviderRequest,
    ProviderResponse,
    StreamChunk,
)

if TYPE_CHECKING:
    from sentence_transformers import SentenceTransformer

NAME = "local-embeddings"
WEIGHTS = "model.safetensors"
# Written beside the weights by cognos/models/weights.py once their SHA-256 is the published.
MARKER = f"{WEIGHTS}.verified"


class SentenceEmbeddingProvider:
    """A sentence-transformers model in this process, on the CPU.

    Args:
        model: The model's registry name, reported with every embedding.
        directory: Where ``cognos models install`` put it.
        batch_size: Texts per forward pass.
    """

    name = NAME

    def __init__(self, model: str, directory: pathlib.Path, batch_size: int = 32) -> None:
        self._model = model
        self._directory = directory
        self._batch_size = batch_size
        self._encoder: SentenceTransformer | None = None
        self._turn = threading.Lock()  # held by the worker thread while it loads or encodes

    @property
    def model(self) -> str:
        """The model's registry name, e.g. ``all-minilm-l6-v2``."""
        return self._model

    @property
    def loaded(self) -> bool:
        """Whether the model is in memory (after the first successful embed)."""
        return self._encoder is not None

    async def complete(self, request: ProviderRequest) -> ProviderResponse:
        raise ProviderError(FailureKind.UNSUPPORTED, f"{NAME} serves no completions")

    async def stream(self, request: ProviderRequest) -> AsyncIterator[StreamChunk]:
        raise ProviderError(FailureKind.UNSUPPORTED, f"{NAME} serves no completions")
        yield StreamChunk()  # never reached: it makes this an async generator, as streams are

    async def embed(self, texts: Sequence[str]) -> Embeddings:
        """Unit vectors of ``texts``; usage counts the tokens the model read.

        Raises:
            ProviderError: REJECTED without texts; UNAVAILABLE when the model is not installed
                and verified, or does not load.
        """
        if not texts:
            raise ProviderError(FailureKind.REJECTED, "no texts")
        vectors, tokens = await asyncio.to_thread(self._encode, list(texts))
        return Embeddings(vectors, self._model, Usage(input_tokens=tokens))

    async def close(self) -> None:
        return None

    def _encode(self, texts: list[str]) -> tuple[list[list[float]], int]:
        with self._turn:
            encoder = self._encoder or self._load()
            try:
                tokens = encoder.tokenizer(texts, truncation=True,
                                           max_length=encoder.max_seq_length)["input_ids"]
                matrix = encoder.encode(texts, batch_size=self._batch_size,
                                        normalize_embeddings=True, convert_to_numpy=True,
                                        show_progress_bar=False)
            except Exception as error:  # the model's own failure: let the next provider try
                raise ProviderError(FailureKind.UNAVAILABLE, f"{self._model} failed: "
                                    f"{type(error).__name__}: {error}") from error
            return matrix.tolist(), sum(len(ids) for ids in tokens)

    def _load(self) -> SentenceTransformer:
        self._check_verified()
        try:
            from sentence_transformers import SentenceTransformer
            from transformers.utils import logging as transformers_logging

            # No "Loading weights" progress bar in the service's log.
            transformers_logging.disable_progress_bar()  # type: ignore[no-untyped-call]
            encoder = SentenceTransformer(str(self._directory), device="cpu",
                                          local_files_only=True)
        except Exception as error:  # a broken install: torch missing, a file unreadable
            raise ProviderError(FailureKind.UNAVAILABLE,
                                f"{self._model} does not load from {self._directory}: "
                                f"{type(error).__name__}: {error}") from error
        self._encoder = encoder
        return encoder

    def _check_verified(self) -> None:
        weights = self._directory / WEIGHTS
        try:
            stat = weights.stat()
            seen = json.loads((self._directory / MARKER).read_text())
        except (OSError, ValueError):
            raise ProviderError(
                FailureKind.UNAVAILABLE,
                f"{self._model} is not installed in {self._directory}; run: cognos models "
                f"install {self._model}") from None
        if (not isinstance(seen, dict)
                or (seen.get("size"), seen.get("mtime_ns")) != (stat.st_size, stat.st_mtime_ns)):
            raise ProviderError(
                FailureKind.UNAVAILABLE,
                f"{self._model}'s weights in {self._directory} changed since they were "
                f"verified; run: cognos models install {self._model} --force")
