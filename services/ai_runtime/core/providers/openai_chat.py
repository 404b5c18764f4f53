"""``openai`` and ``openai-compatible``: OpenAI's chat completions API through the official
``openai`` SDK (``AsyncOpenAI``).

``openai-compatible`` is the same client pointed at another base URL: Ollama, vLLM or a
llama.cpp server. The API key is read from settings and handed to the SDK only; it is never
logged or put in an error message.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Sequence
from typing import Any

import openai

from services.ai_runtime.core.models import ChatMessage, Embeddings, MessageRole, Usage
from services.ai_runtime.core.providers.base import (
    ProviderError,
    ProviderRequest,
    ProviderResponse,
    StreamChunk,
    sdk_error,
)

_ROLES = {MessageRole.SYSTEM: "system", MessageRole.USER: "user",
          MessageRole.ASSISTANT: "assistant", MessageRole.TOOL: "user"}


def provider_error(error: openai.OpenAIError) -> ProviderError:
    """The provider failure of an SDK error."""
    return sdk_error(error, openai)


def wire_messages(messages: Sequence[ChatMessage]) -> list[dict[str, str]]:
    return [{"role": _ROLES[m.role], "content": m.content} for m in messages]


class OpenAIChatProvider:
    """A chat-completions endpoint.

    Args:
        name: ``openai`` or ``openai-compatible``.
        model: The chat model.
        embedding_model: The embeddings model.
        api_key: The key (``None``: a placeholder, for local servers that need none).
        base_url: The endpoint (None: the SDK's default).
        timeout: Seconds per HTTP request.
        max_retries: The SDK's own retries of 429 and 5xx.
    """

    def __init__(self, name: str, model: str, embedding_model: str, api_key: str | None,
                 base_url: str | None, timeout: float, max_retries: int) -> None:
        self.name = name
        self.model = model
        self._embedding_model = embedding_model
        self._client = openai.AsyncOpenAI(api_key=api_key or "not-needed", base_url=base_url,
                                          timeout=timeout, max_retries=max_retries)

    def _arguments(self, request: ProviderRequest) -> dict[str, Any]:
        arguments: dict[str, Any] = {"model": self.model,
                                     "messages": wire_messages(request.messages),
                                     "max_tokens": request.max_output_tokens}
        if request.temperature is not None:
            arguments["temperature"] = request.temperature
        if request.response_schema is not None:
            arguments["response_format"] = {"type": "json_object"}
        return arguments

    async def complete(self, request: ProviderRequest) -> ProviderResponse:
        try:
            response = await self._client.chat.completions.create(**self._arguments(request))
        except openai.OpenAIError as error:
            raise provider_error(error) from error
        output = (response.choices[0].message.content or "") if response.choices else ""
        usage = response.usage
        return ProviderResponse(output, response.model or self.model,
                                usage.prompt_tokens if usage else 0,
                                usage.completion_tokens if usage else 0)

    async def stream(self, request: ProviderRequest) -> AsyncIterator[StreamChunk]:
        parts: list[str] = []
        model, input_tokens, output_tokens = self.model, 0, 0
        try:
            stream = await self._client.chat.completions.create(
                **self._arguments(request), stream=True,
                stream_options={"include_usage": True})
            async for chunk in stream:
                model = chunk.model or model
                for choice in chunk.choices:
                    delta = choice.delta.content if choice.delta else None
                    if delta:
                        parts.append(delta)
                        yield StreamChunk(delta=delta)
                if chunk.usage is not None:
                    input_tokens = chunk.usage.prompt_tokens
                    output_tokens = chunk.usage.completion_tokens
        except openai.OpenAIError as error:
            raise provider_error(error) from error
        yield StreamChunk(response=ProviderResponse("".join(parts), model, input_tokens,
                                                    output_tokens))

    async def embed(self, texts: Sequence[str]) -> Embeddings:
        try:
            response = await self._client.embeddings.create(model=self._embedding_model,
                                                            input=list(texts))
        except openai.OpenAIError as error:
            raise provider_error(error) from error
        vectors = [list(map(float, item.embedding))
                   for item in sorted(response.data, key=lambda d: d.index)]
        return Embeddings(vectors, response.model or self._embedding_model,
                          Usage(input_tokens=response.usage.prompt_tokens if response.usage
                                else 0))

    async def close(self) -> None:
        await self._client.close()
