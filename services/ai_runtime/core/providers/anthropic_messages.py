"""``anthropic``: Anthropic's Messages API through the official ``anthropic`` SDK
(``AsyncAnthropic``).

System messages become the ``system`` parameter; tool results are sent as user turns, and
consecutive turns of one speaker are merged, as the API wants user and assistant to
alternate, starting with the user. The Messages API of the pinned SDK takes no sampling
temperature, so a request's temperature is not sent. Tools go as the API's tools
(``input_schema``), and its ``tool_use`` blocks come back as tool calls. The API key is handed
to the SDK only, never logged.
"""

from __future__ import annotations

import json
from collections.abc import AsyncIterator, Sequence
from typing import Any

import anthropic

from services.ai_runtime.core.models import ChatMessage, Embeddings, MessageRole
from services.ai_runtime.core.providers.base import (
    TOOL_CHOICES,
    FailureKind,
    ProviderError,
    ProviderRequest,
    ProviderResponse,
    StreamChunk,
    ToolCall,
    sdk_error,
)

# tool_choice -> the API's; any other value is a tool's name.
_TOOL_CHOICES = dict(zip(TOOL_CHOICES, ("auto", "none", "any"), strict=True))


def provider_error(error: anthropic.AnthropicError) -> ProviderError:
    """The provider failure of an SDK error."""
    return sdk_error(error, anthropic)


def _blocks(message: ChatMessage) -> list[dict[str, Any]]:
    """A message as content blocks: text, the assistant's tool_use blocks, or a tool_result
    naming the call it answers."""
    if message.role is MessageRole.TOOL and message.tool_call_id:
        return [{"type": "tool_result", "tool_use_id": message.tool_call_id,
                 "content": message.content}]
    blocks: list[dict[str, Any]] = []
    if message.content:
        blocks.append({"type": "text", "text": message.content})
    for call in message.tool_calls:
        try:
            arguments = json.loads(call.arguments or "{}")
        except json.JSONDecodeError:
            arguments = {}
        blocks.append({"type": "tool_use", "id": call.id, "name": call.name,
                       "input": arguments if isinstance(arguments, dict) else {}})
    return blocks


def wire_messages(messages: Sequence[ChatMessage]) -> tuple[str, list[dict[str, Any]]]:
    """(system text, alternating user/assistant turns of content blocks, starting with the
    user); tool results are user turns."""
    system = "\n\n".join(m.content for m in messages if m.role is MessageRole.SYSTEM)
    turns: list[dict[str, Any]] = []
    for message in messages:
        if message.role is MessageRole.SYSTEM:
            continue
        speaker = "assistant" if message.role is MessageRole.ASSISTANT else "user"
        blocks = _blocks(message)
        if not blocks:
            continue
        if turns and turns[-1]["role"] == speaker:
            turns[-1]["content"].extend(blocks)
        else:
            turns.append({"role": speaker, "content": blocks})
    if not turns or turns[0]["role"] != "user":
        turns.insert(0, {"role": "user", "content": [{"type": "text", "text": "(start)"}]})
    for turn in turns:  # a turn of text alone goes as a plain string
        if all(block["type"] == "text" for block in turn["content"]):
            turn["content"] = "\n\n".join(block["text"] for block in turn["content"])
    return system, turns


class AnthropicProvider:
    """The Messages API.

    Args:
        model: The model.
        api_key: The key.
        base_url: The endpoint (None: the SDK's default).
        timeout: Seconds per HTTP request.
        max_retries: The SDK's own retries of 429 and 5xx.
    """

    name = "anthropic"

    def __init__(self, model: str, api_key: str | None, base_url: str | None, timeout: float,
                 max_retries: int) -> None:
        self.model = model
        self._client = anthropic.AsyncAnthropic(api_key=api_key or "not-configured",
                                                base_url=base_url, timeout=timeout,
                                                max_retries=max_retries)

    def _arguments(self, request: ProviderRequest) -> dict[str, Any]:
        system, turns = wire_messages(request.messages)
        arguments: dict[str, Any] = {"model": self.model, "messages": turns,
                                     "max_tokens": request.max_output_tokens}
        if system:
            arguments["system"] = system
        if request.tools:
            arguments["tools"] = [{"name": t.name, "description": t.description,
                                   "input_schema": dict(t.parameters)} for t in request.tools]
            choice = _TOOL_CHOICES.get(request.tool_choice)
            arguments["tool_choice"] = ({"type": choice} if choice else
                                        {"type": "tool", "name": request.tool_choice})
        return arguments

    async def complete(self, request: ProviderRequest) -> ProviderResponse:
        try:
            response = await self._client.messages.create(**self._arguments(request))
        except anthropic.AnthropicError as error:
            raise provider_error(error) from error
        output = "".join(getattr(block, "text", "") for block in response.content
                         if block.type == "text")
        calls = tuple(ToolCall(block.id, block.name, json.dumps(block.input))
                      for block in response.content if block.type == "tool_use")
        return ProviderResponse(output, response.model or self.model,
                                response.usage.input_tokens, response.usage.output_tokens,
                                calls)

    async def stream(self, request: ProviderRequest) -> AsyncIterator[StreamChunk]:
        parts: list[str] = []
        # Content block index -> (id, name, pieces of the input JSON) of each tool_use block.
        tools: dict[int, tuple[str, str, list[str]]] = {}
        model, input_tokens, output_tokens = self.model, 0, 0
        try:
            stream = await self._client.messages.create(**self._arguments(request), stream=True)
            async with stream:
                async for event in stream:
                    if event.type == "message_start":
                        model = event.message.model or model
                        input_tokens = event.message.usage.input_tokens
                        output_tokens = event.message.usage.output_tokens
                    elif (event.type == "content_block_start"
                          and event.content_block.type == "tool_use"):
                        tools[event.index] = (event.content_block.id,
                                              event.content_block.name, [])
                    elif event.type == "content_block_delta":
                        if event.delta.type == "text_delta":
                            parts.append(event.delta.text)
                            yield StreamChunk(delta=event.delta.text)
                        elif event.delta.type == "input_json_delta" and event.index in tools:
                            tools[event.index][2].append(event.delta.partial_json)
                    elif event.type == "message_delta":
                        output_tokens = event.usage.output_tokens
                        if event.usage.input_tokens:
                            input_tokens = event.usage.input_tokens
        except anthropic.AnthropicError as error:
            raise provider_error(error) from error
        calls = tuple(ToolCall(call_id, name, "".join(pieces) or "{}")
                      for _, (call_id, name, pieces) in sorted(tools.items()))
        yield StreamChunk(response=ProviderResponse("".join(parts), model, input_tokens,
                                                    output_tokens, calls))

    async def embed(self, texts: Sequence[str]) -> Embeddings:
        raise ProviderError(FailureKind.UNSUPPORTED, "anthropic has no embeddings API")

    async def close(self) -> None:
        await self._client.close()
