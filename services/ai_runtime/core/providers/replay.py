"""``replay``: answers from a cassette of earlier completions, and the recorder that writes one.

A cassette is a JSON-lines file, one recorded completion per line:
``{"key", "role", "prompt_version", "messages", "output", "model", "input_tokens",
"output_tokens"}`` (and ``tool_calls``, ``[{"id", "name", "arguments"}]``, when the model
called tools), where ``key`` is :func:`.base.cassette_key` of (role, prompt version,
messages). Replaying the same conversation gives the recorded answer, which makes workflow
replay deterministic; a conversation that was never recorded is FAILED_PRECONDITION naming
its key.
"""

from __future__ import annotations

import json
import logging
import pathlib
import threading
from collections.abc import AsyncIterator, Sequence

from services.ai_runtime.core.models import Embeddings
from services.ai_runtime.core.providers.base import (
    FailureKind,
    ProviderError,
    ProviderRequest,
    ProviderResponse,
    StreamChunk,
    ToolCall,
    pieces,
)
from shared.errors import FailedPrecondition

log = logging.getLogger(__name__)


def load_cassette(path: pathlib.Path) -> dict[str, ProviderResponse]:
    """The recorded answers in ``path`` by key; the last recording of a key wins."""
    answers: dict[str, ProviderResponse] = {}
    if not path.exists():
        return answers
    for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
        if not line.strip():
            continue
        try:
            record = json.loads(line)
            answers[str(record["key"])] = ProviderResponse(
                str(record["output"]), str(record["model"]), int(record["input_tokens"]),
                int(record["output_tokens"]),
                tuple(ToolCall(str(c["id"]), str(c["name"]), str(c["arguments"]))
                      for c in record.get("tool_calls", ())))
        except (ValueError, KeyError, TypeError):
            log.warning("cassette %s line %d is not a recorded completion; skipped", path,
                        number)
    return answers


class CassetteRecorder:
    """Appends completions to a cassette file, one JSON line each."""

    def __init__(self, path: pathlib.Path) -> None:
        self.path = path
        self._lock = threading.Lock()

    def record(self, request: ProviderRequest, response: ProviderResponse) -> None:
        record = {
            "key": request.cassette_key, "role": request.role,
            "prompt_version": request.prompt_version,
            "messages": [{"role": m.role.value, "content": m.content} for m in request.messages],
            "output": response.output, "model": response.model,
            "input_tokens": response.input_tokens, "output_tokens": response.output_tokens,
        }
        if response.tool_calls:
            record["tool_calls"] = [{"id": c.id, "name": c.name, "arguments": c.arguments}
                                    for c in response.tool_calls]
        line = json.dumps(record, ensure_ascii=False)
        with self._lock:
            self.path.parent.mkdir(parents=True, exist_ok=True)
            with self.path.open("a", encoding="utf-8") as file:
                file.write(line + "\n")


class ReplayProvider:
    """Answers from a cassette, re-read when the file changes.

    Args:
        path: The cassette; may not exist yet (then every key is unknown).
    """

    name = "replay"

    def __init__(self, path: pathlib.Path) -> None:
        self._path = path
        self._stamp: tuple[float, int] | None = None
        self._answers: dict[str, ProviderResponse] = {}

    @property
    def model(self) -> str:
        return "replay"

    def _lookup(self, key: str) -> ProviderResponse:
        stat = self._path.stat() if self._path.exists() else None
        stamp = (stat.st_mtime, stat.st_size) if stat else None
        if stamp != self._stamp:
            self._answers, self._stamp = load_cassette(self._path), stamp
        if key not in self._answers:
            raise FailedPrecondition(
                f"no recorded completion with key {key} in cassette {self._path.name}",
                reason="CASSETTE_KEY_NOT_FOUND", metadata={"key": key})
        return self._answers[key]

    async def complete(self, request: ProviderRequest) -> ProviderResponse:
        return self._lookup(request.cassette_key)

    async def stream(self, request: ProviderRequest) -> AsyncIterator[StreamChunk]:
        response = self._lookup(request.cassette_key)
        for piece in pieces(response.output, 4):
            yield StreamChunk(delta=piece)
        yield StreamChunk(response=response)

    async def embed(self, texts: Sequence[str]) -> Embeddings:
        raise ProviderError(FailureKind.UNSUPPORTED, "replay has no embeddings")

    async def close(self) -> None:
        return None
