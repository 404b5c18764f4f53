"""The interface every model provider implements, and how provider failures are classified.

A provider turns a :class:`ProviderRequest` (the conversation after the role's prompt was
applied) into a :class:`ProviderResponse`, or streams :class:`StreamChunk`s whose last one
carries the response. Failures are :class:`ProviderError`s whose ``kind`` tells the router
whether to fall back to the next provider (timeouts, rate limits, server errors) or to fail
the call (the provider refused the request itself). A request may offer the model tools
(:class:`ToolDefinition`); the calls the model makes come back as :class:`ToolCall`s.
"""

from __future__ import annotations

import dataclasses
import enum
import hashlib
import json
import re
from collections.abc import AsyncIterator, Mapping, Sequence
from typing import Any, Protocol

from services.ai_runtime.core.models import ChatMessage, Embeddings, ToolCall

__all__ = ["ToolCall"]


class FailureKind(enum.StrEnum):
    """Why a provider call failed."""

    TIMEOUT = "TIMEOUT"
    RATE_LIMITED = "RATE_LIMITED"
    # 5xx, connection refused or reset: the provider may answer later.
    UNAVAILABLE = "UNAVAILABLE"
    # 4xx other than 429: the provider refuses this request; another try will not help.
    REJECTED = "REJECTED"
    # The provider cannot do this at all (e.g. embeddings from Anthropic).
    UNSUPPORTED = "UNSUPPORTED"

    @property
    def falls_back(self) -> bool:
        """Whether the router tries the next provider after this failure."""
        return self is not FailureKind.REJECTED


class ProviderError(Exception):
    """A provider call failed.

    Args:
        kind: The class of failure, which decides fallback.
        message: What happened, without secrets.
        status: The HTTP status, when there was one.
    """

    def __init__(self, kind: FailureKind, message: str, status: int | None = None) -> None:
        super().__init__(message)
        self.kind = kind
        self.message = message
        self.status = status


def failure_of_status(status: int) -> FailureKind:
    """The failure kind of an HTTP error status."""
    if status == 429:
        return FailureKind.RATE_LIMITED
    if status in (408, 504):
        return FailureKind.TIMEOUT
    if status >= 500:
        return FailureKind.UNAVAILABLE
    return FailureKind.REJECTED


def sdk_error(error: Exception, sdk: Any) -> ProviderError:
    """The provider failure of an error raised by an official SDK (``openai`` or
    ``anthropic``: both name their timeout, connection and HTTP status errors alike)."""
    if isinstance(error, sdk.APITimeoutError):
        return ProviderError(FailureKind.TIMEOUT, "request timed out")
    if isinstance(error, sdk.APIConnectionError):
        return ProviderError(FailureKind.UNAVAILABLE, "cannot connect")
    if isinstance(error, sdk.APIStatusError):
        return ProviderError(failure_of_status(error.status_code),
                             f"HTTP {error.status_code}: {error.message}", error.status_code)
    return ProviderError(FailureKind.UNAVAILABLE, f"{type(error).__name__}")


@dataclasses.dataclass(frozen=True)
class ToolDefinition:
    """A tool the model may call: its name, what it does, and the JSON schema of its
    arguments."""

    name: str
    description: str
    parameters: Mapping[str, Any]


# tool_choice values other than a tool's name.
TOOL_CHOICES = ("auto", "none", "required")


@dataclasses.dataclass(frozen=True)
class ProviderRequest:
    """What a provider is asked: the conversation, the generation limits and the tools.

    ``tool_choice`` is ``auto`` (the model decides), ``none``, ``required`` (some tool) or the
    name of one of ``tools`` (that tool); it means nothing without tools.

    Raises:
        ValueError: ``tool_choice`` is neither one of :data:`TOOL_CHOICES` nor a tool's name.
    """

    role: str
    prompt_version: str
    messages: Sequence[ChatMessage]
    max_output_tokens: int
    temperature: float | None = None
    # The parsed JSON schema the output must satisfy, when the caller gave one.
    response_schema: dict[str, Any] | None = None
    tools: tuple[ToolDefinition, ...] = ()
    tool_choice: str = "auto"

    def __post_init__(self) -> None:
        if (self.tool_choice not in TOOL_CHOICES
                and self.tool_choice not in {t.name for t in self.tools}):
            raise ValueError(f"tool_choice {self.tool_choice!r} names no tool of the request")

    @property
    def cassette_key(self) -> str:
        """SHA-256 of (role, prompt version, messages): the key of a recorded answer."""
        return cassette_key(self.role, self.prompt_version, self.messages)


def _canonical(message: ChatMessage) -> list[Any]:
    """A message as the key sees it; tool calls and call ids only where there are some, so
    keys of conversations without tools stay as they were."""
    if not message.tool_calls and not message.tool_call_id:
        return [message.role.value, message.content]
    return [message.role.value, message.content, message.tool_call_id,
            [[c.id, c.name, c.arguments] for c in message.tool_calls]]


def cassette_key(role: str, prompt_version: str, messages: Sequence[ChatMessage]) -> str:
    """SHA-256 hex of the canonical JSON of (role, prompt version, messages)."""
    canonical = json.dumps(
        {"role": role, "prompt_version": prompt_version,
         "messages": [_canonical(m) for m in messages]},
        sort_keys=True, separators=(",", ":"), ensure_ascii=False)
    return hashlib.sha256(canonical.encode()).hexdigest()


@dataclasses.dataclass(frozen=True)
class ProviderResponse:
    """A provider's answer, the tools the model calls, and the tokens it reports."""

    output: str
    model: str
    input_tokens: int
    output_tokens: int
    tool_calls: tuple[ToolCall, ...] = ()


@dataclasses.dataclass(frozen=True)
class StreamChunk:
    """A piece of a streamed answer; the last chunk has ``response`` set."""

    delta: str = ""
    response: ProviderResponse | None = None


class Provider(Protocol):
    """A model provider."""

    @property
    def name(self) -> str:
        """The provider's name in routes and records, e.g. ``openai``."""
        ...

    @property
    def model(self) -> str:
        """The model it calls (used to price a call before making it)."""
        ...

    async def complete(self, request: ProviderRequest) -> ProviderResponse:
        """The whole answer.

        Raises:
            ProviderError: The call failed.
        """
        ...

    def stream(self, request: ProviderRequest) -> AsyncIterator[StreamChunk]:
        """The answer as it is generated; the last chunk carries the response.

        Raises:
            ProviderError: The call failed.
        """
        ...

    async def embed(self, texts: Sequence[str]) -> Embeddings:
        """One vector per text (``usage.cost_micros`` is left to the caller).

        Raises:
            ProviderError: The call failed, or the provider has no embeddings.
        """
        ...

    async def close(self) -> None:
        """Release connections."""
        ...


def estimate_tokens(text: str) -> int:
    """A deterministic token estimate: about 4 tokens per 3 words."""
    words = len(text.split())
    return (words * 4 + 2) // 3


def estimate_prompt_tokens(messages: Sequence[ChatMessage]) -> int:
    """Estimated tokens of a conversation, with a small per-message overhead."""
    return sum(estimate_tokens(m.content) + 3 for m in messages)


_PIECE = re.compile(r"\s*\S+|\s+$")


def pieces(text: str, words: int = 1) -> list[str]:
    """``text`` cut into stream deltas of ``words`` words each; joined they give ``text``."""
    found = _PIECE.findall(text)
    return ["".join(found[i:i + words]) for i in range(0, len(found), words)]
