"""Tool calls for the local model as structured output.

llama.cpp's server parses tool calls out of the model's text only for a few chat formats, and
a grammar (what keeps small models' answers valid) leaves no room for them. So the local
provider describes the tools in the system message and constrains generation to *either* the
answer's schema *or* a call, ``{"tool_call": {"name": …, "arguments": {…}}}``; a call comes
back as a :class:`ToolCall`. Earlier calls and their results go back to the model as text:
the call as the assistant's JSON, the result as a user turn.
"""

from __future__ import annotations

import dataclasses
import json
from collections.abc import Sequence
from typing import Any

from services.ai_runtime.core.models import ChatMessage, MessageRole, ToolCall
from services.ai_runtime.core.providers.base import ProviderRequest, ToolDefinition

CALL_KEY = "tool_call"


def call_schema(tools: Sequence[ToolDefinition], choice: str) -> dict[str, Any]:
    """The schema of a call of one of ``tools`` (of the one ``choice`` names, if it names
    one), each with its own arguments' schema, so the grammar keeps the arguments right."""
    calls = [{"type": "object", "required": [CALL_KEY],
              "properties": {CALL_KEY: {"type": "object", "required": ["name", "arguments"],
                                        "properties": {"name": {"enum": [t.name]},
                                                       "arguments": dict(t.parameters)}}}}
             for t in tools if choice in ("auto", "required", t.name)]
    return calls[0] if len(calls) == 1 else {"anyOf": calls}


def tools_text(tools: Sequence[ToolDefinition], choice: str) -> str:
    """The system message's part that offers ``tools``."""
    lines = ["You can call tools. To call one, answer with only this JSON and nothing else:",
             '{"tool_call": {"name": "<tool name>", "arguments": {<the tool\'s arguments>}}}',
             "You will get the tool's result and can then call another tool or answer.",
             "The tools:"]
    for tool in tools:
        lines.append(f"- {tool.name}: {tool.description} Arguments (JSON Schema): "
                     f"{json.dumps(dict(tool.parameters), separators=(',', ':'))}")
    if choice == "required":
        lines.append("Call a tool now.")
    elif choice not in ("auto", "none"):
        lines.append(f"Call the tool {choice} now.")
    return "\n".join(lines)


def _as_text(message: ChatMessage) -> ChatMessage:
    """A turn of a tool conversation as plain text the model's chat template takes."""
    if message.role is MessageRole.ASSISTANT and message.tool_calls:
        call = message.tool_calls[0]
        try:
            arguments = json.loads(call.arguments or "{}")
        except json.JSONDecodeError:
            arguments = {}
        return ChatMessage(MessageRole.ASSISTANT, json.dumps(
            {CALL_KEY: {"name": call.name, "arguments": arguments}}))
    if message.role is MessageRole.TOOL:
        return ChatMessage(MessageRole.USER, f"Tool result:\n{message.content}")
    return ChatMessage(message.role, message.content)


def with_tools(request: ProviderRequest) -> ProviderRequest:
    """``request`` for the local model: the tools in the system message, the conversation as
    text, the output constrained to the answer's schema or a call; no wire tools."""
    offered = tools_text(request.tools, request.tool_choice)
    messages = [_as_text(m) for m in request.messages]
    if messages and messages[0].role is MessageRole.SYSTEM:
        messages[0] = ChatMessage(MessageRole.SYSTEM, f"{messages[0].content}\n\n{offered}")
    else:
        messages.insert(0, ChatMessage(MessageRole.SYSTEM, offered))
    call = call_schema(request.tools, request.tool_choice)
    if request.tool_choice == "auto":
        answer = request.response_schema or {"type": "object"}
        schema: dict[str, Any] = {"anyOf": [*call.get("anyOf", [call]), answer]}
    else:
        schema = call
    return dataclasses.replace(request, messages=messages, response_schema=schema, tools=(),
                               tool_choice="auto")


def tool_call_of(output: str, messages: Sequence[ChatMessage]) -> ToolCall | None:
    """The call ``output`` makes, or None when it answers; its id counts the calls before
    it, so a conversation asked again gets the same ids."""
    try:
        value = json.loads(output)
    except json.JSONDecodeError:
        return None
    if not isinstance(value, dict) or set(value) != {CALL_KEY}:
        return None
    call = value[CALL_KEY]
    if not isinstance(call, dict) or not isinstance(call.get("name"), str):
        return None
    earlier = sum(len(m.tool_calls) for m in messages)
    return ToolCall(f"local-call-{earlier + 1}", call["name"],
                    json.dumps(call.get("arguments") or {}))
