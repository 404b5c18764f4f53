"""A prompt shows the model the schema its answer must match, so a small model sees the shape
it is held to."""

from __future__ import annotations

from services.ai_runtime.core.models import ChatMessage, MessageRole
from services.ai_runtime.core.prompts import ANY_JSON, render

TEMPLATE = "Goal: {{goal}}\nReply matching this schema:\n{{ schema }}"


def test_the_schema_placeholder_shows_the_requests_schema() -> None:
    messages = [ChatMessage(MessageRole.USER, "Compare two databases")]
    schema = '{"type": "object", "properties": {"result": {"type": "string"}}}'
    system = render(TEMPLATE, messages, schema)[0]
    assert system.role is MessageRole.SYSTEM
    assert system.content == f"Goal: Compare two databases\nReply matching this schema:\n{schema}"


def test_without_a_schema_the_placeholder_asks_for_any_json_object() -> None:
    system = render(TEMPLATE, [ChatMessage(MessageRole.USER, "x")])[0]
    assert system.content.endswith(ANY_JSON)
