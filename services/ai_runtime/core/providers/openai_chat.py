"""``openai`` and ``openai-compatible``: OpenAI's chat completions API through the official
``openai`` SDK (``AsyncOpenAI``).

``openai-compatible`` is the same client pointed at another base URL: Ollama, vLLM or a
llama.cpp server (``local``, :mod:`.local`, is llama.cpp's with its structured output). A
response schema asks for JSON (``json_object``); tools go as ``function`` tools and the
model's tool calls come back parsed, streamed ones assembled from their deltas. The API key is
read from settings and handed to the SDK only; it is never logged or put in an error message.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Sequence
from typing import Any

import openai

from services.ai_runtime.core.models import ChatMessage, Embeddings, MessageRole, Usage
from services.ai_runtime.core.providers.base import (
    TOOL_CHOICES,
    ProviderError,
    ProviderRequest,
    ProviderResponse,
    StreamChunk,
    ToolCall,
    ToolDefinition,
    estimate_prompt_tokens,
    sdk_error,
)

_ROLES = {MessageRole.SYSTEM: "system", MessageRole.USER: "user",
          MessageRole.ASSISTANT: "assistant", MessageRole.TOOL: "user"}


def provider_error(error: openai.OpenAIError) -> ProviderError:
    """The provider failure of an SDK error."""
    return sdk_error(error, openai)


def wire_message(message: ChatMessage) -> dict[str, Any]:
    """One message in the chat completions format: an assistant turn with its tool calls,
    a tool result under the call's id (without an id it can only be a user turn)."""
    if message.role is MessageRole.TOOL and message.tool_call_id:
        return {"role": "tool", "tool_call_id": message.tool_call_id, "content": message.content}
    wired: dict[str, Any] = {"role": _ROLES[message.role], "content": message.content}
    if message.tool_calls:
        wired["tool_calls"] = [{"id": c.id, "type": "function",
                                "function": {"name": c.name, "arguments": c.arguments}}
                               for c in message.tool_calls]
    return wired


def wire_messages(messages: Sequence[ChatMessage]) -> list[dict[str, Any]]:
    return [wire_message(m) for m in messages]


def wire_tools(tools: Sequence[ToolDefinition]) -> list[dict[str, Any]]:
    return [{"type": "function", "function": {"name": t.name, "description": t.description,
                                              "parameters": dict(t.parameters)}}
            for t in tools]


def wire_tool_choice(choice: str) -> str | dict[str, Any]:
    """``auto``, ``none`` and ``required`` as they are; a tool's name forces that tool."""
    return choice if choice in TOOL_CHOICES else {"type": "function",
                                                  "function": {"name": choice}}


def tool_calls_of(message: Any) -> tuple[ToolCall, ...]:
    """The function calls of a response message (other kinds of call are not ours)."""
    calls = []
    for call in getattr(message, "tool_calls", None) or ():
        function = getattr(call, "function", None)
        if function is not None:
            calls.append(ToolCall(call.id or "", function.name or "", function.arguments or ""))
    return tuple(calls)


class StreamedToolCalls:
    """Tool calls assembled from stream deltas: the first delta of a call (by its index)
    brings its id and name, the following ones pieces of its arguments."""

    def __init__(self) -> None:
        self._calls: dict[int, tuple[str, str, list[str]]] = {}

    def add(self, deltas: Any) -> None:
        for delta in deltas or ():
            function = getattr(delta, "function", None)
            call_id, name, arguments = self._calls.get(delta.index, ("", "", []))
            self._calls[delta.index] = (call_id or delta.id or "",
                                        name or getattr(function, "name", None) or "",
                                        arguments)
            if function is not None and function.arguments:
                arguments.append(function.arguments)

    def calls(self) -> tuple[ToolCall, ...]:
        return tuple(ToolCall(call_id, name, "".join(arguments))
                     for _, (call_id, name, arguments) in sorted(self._calls.items()))


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

    def response_format(self, schema: dict[str, Any]) -> dict[str, Any]:
        """The ``response_format`` asking for output valid against ``schema``: JSON, which
        every OpenAI-compatible server takes; the schema itself is checked afterwards."""
        return {"type": "json_object"}

    def _arguments(self, request: ProviderRequest) -> dict[str, Any]:
        arguments: dict[str, Any] = {"model": self.model,
                                     "messages": wire_messages(request.messages),
                                     "max_tokens": request.max_output_tokens}
        if request.temperature is not None:
            arguments["temperature"] = request.temperature
        if request.response_schema is not None:
            arguments["response_format"] = self.response_format(request.response_schema)
        if request.tools:
            arguments["tools"] = wire_tools(request.tools)
            arguments["tool_choice"] = wire_tool_choice(request.tool_choice)
        return arguments

    async def complete(self, request: ProviderRequest) -> ProviderResponse:
        try:
            response = await self._client.chat.completions.create(**self._arguments(request))
        except openai.OpenAIError as error:
            raise provider_error(error) from error
        message = response.choices[0].message if response.choices else None
        usage = response.usage
        return ProviderResponse((message.content or "") if message else "",
                                response.model or self.model,
                                usage.prompt_tokens if usage else 0,
                                usage.completion_tokens if usage else 0,
                                tool_calls_of(message))

    async def stream(self, request: ProviderRequest) -> AsyncIterator[StreamChunk]:
        """Deltas as the server sends them. Leaving early (closed, or cancelled with the
        caller's call) closes the HTTP response at once, so the server stops generating."""
        parts: list[str] = []
        tool_calls = StreamedToolCalls()
        model, input_tokens, output_tokens = self.model, 0, 0
        try:
            stream = await self._client.chat.completions.create(
                **self._arguments(request), stream=True,
                stream_options={"include_usage": True})
            async with stream:
                async for chunk in stream:
                    model = chunk.model or model
                    for choice in chunk.choices:
                        if choice.delta is None:
                            continue
                        tool_calls.add(choice.delta.tool_calls)
                        if choice.delta.content:
                            parts.append(choice.delta.content)
                            yield StreamChunk(delta=choice.delta.content)
                    if chunk.usage is not None:
                        input_tokens = chunk.usage.prompt_tokens
                        output_tokens = chunk.usage.completion_tokens
        except openai.OpenAIError as error:
            raise provider_error(error) from error
        if not output_tokens and parts:
            # A server that reports no usage on a stream (llama.cpp's) sends a token a chunk.
            input_tokens = input_tokens or estimate_prompt_tokens(request.messages)
            output_tokens = len(parts)
        yield StreamChunk(response=ProviderResponse("".join(parts), model, input_tokens,
                                                    output_tokens, tool_calls.calls()))

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
