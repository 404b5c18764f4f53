"""``local``: the model server the mesh runs beside the runtime, llama.cpp's OpenAI-compatible
server (llama-cpp-python), one model per ``model_alias``.

It is :class:`.openai_chat.OpenAIChatProvider` with llama.cpp's structured output: llama.cpp
answers OpenAI's ``json_schema`` response format with HTTP 500, but constrains generation to
a schema given as ``{"type": "json_object", "schema": …}``; tools are offered through the
same structured output (:mod:`.local_tools`). How many calls the server runs at
once, and how long one may generate, the router holds it to (``CallLimits``). It serves no
embeddings.
"""

from __future__ import annotations

import dataclasses
import json
from collections.abc import Sequence
from typing import Any

from services.ai_runtime.core.models import Embeddings
from services.ai_runtime.core.providers.base import (
    FailureKind,
    ProviderError,
    ProviderRequest,
    ProviderResponse,
)
from services.ai_runtime.core.providers.local_tools import tool_call_of, with_tools
from services.ai_runtime.core.providers.openai_chat import OpenAIChatProvider
from shared.values.documents import parse_model_json


class LocalProvider(OpenAIChatProvider):
    """The local model server.

    Args:
        model: The ``model_alias`` of the model to call.
        base_url: The server's OpenAI-compatible endpoint, ``http://127.0.0.1:<port>/v1``.
        timeout: Seconds one call may take once the server runs it.
        max_retries: The SDK's own retries of 429 and 5xx.
        tools: Whether the model is offered a request's tools; without, it answers as if
            none were offered.
    """

    def __init__(self, model: str, base_url: str, timeout: float, max_retries: int, *,
                 tools: bool = True) -> None:
        super().__init__("local", model, "", None, base_url, timeout, max_retries)
        self._tools = tools

    def response_format(self, schema: dict[str, Any]) -> dict[str, Any]:
        """llama.cpp's form: generation is constrained by a grammar made from ``schema``."""
        return {"type": "json_object", "schema": schema}

    async def complete(self, request: ProviderRequest) -> ProviderResponse:
        """The answer; under a schema, as strict JSON (llama.cpp's grammar for a string with
        a maximum length lets a raw line break through, which strict parsers refuse). Tools
        are offered as structured output (:mod:`.local_tools`): an answer that is a call
        comes back as a tool call."""
        if request.tools and self._tools and request.tool_choice != "none":
            response = await super().complete(with_tools(request))
            call = tool_call_of(strict_json(response.output), request.messages)
            if call is not None:
                return dataclasses.replace(response, output="", tool_calls=(call,))
        elif request.tools:
            response = await super().complete(dataclasses.replace(request, tools=()))
        else:
            response = await super().complete(request)
        if request.response_schema is None:
            return response
        return dataclasses.replace(response, output=strict_json(response.output))

    async def embed(self, texts: Sequence[str]) -> Embeddings:
        raise ProviderError(FailureKind.UNSUPPORTED, "local serves no embeddings model")


def strict_json(text: str) -> str:
    """``text`` as JSON without raw control characters in its strings; as it is when it is
    strict JSON already, or not JSON at all."""
    try:
        json.loads(text)
        return text
    except ValueError:
        pass
    try:
        return json.dumps(parse_model_json(text), ensure_ascii=False)
    except ValueError:
        return text
