"""The offline provider: deterministic, labelled, schema-valid answers per role."""

from __future__ import annotations

import json
from typing import Any

import pytest

from services.ai_runtime.core.models import ChatMessage, MessageRole
from services.ai_runtime.core.providers.base import ProviderRequest
from services.ai_runtime.core.providers.offline import (
    NOTE,
    OfflineProvider,
    embed_text,
    listed_items,
    plan,
)
from services.ai_runtime.core.schema import conform, schema_errors

GOALS = [
    "Summarize",
    "Write a blog post",
    "Write a short report about the history of the Rust programming language and its uses",
    "Compare PostgreSQL, SQLite and DuckDB for analytics workloads",
    "Plan a trip: book flights; reserve a hotel; rent a car",
    "Research solar and wind energy",
]
PLAN_SCHEMA: dict[str, Any] = {
    "type": "object", "required": ["tasks", "complexity"],
    "properties": {
        "complexity": {"type": "integer"},
        "tasks": {"type": "array", "minItems": 2, "items": {
            "type": "object",
            "required": ["id", "title", "instructions", "agent_role", "depends_on", "tools",
                         "acceptance_criteria", "critical"],
            "properties": {
                "id": {"type": "string"}, "title": {"type": "string"},
                "instructions": {"type": "string"},
                "agent_role": {"enum": ["executor", "critic", "summarizer"]},
                "depends_on": {"type": "array", "items": {"type": "string"}},
                "tools": {"type": "array"}, "critical": {"type": "boolean"},
                "acceptance_criteria": {"type": "array", "items": {"type": "string"}}}}}}}


def request(role: str, text: str, schema: dict[str, Any] | None = None) -> ProviderRequest:
    return ProviderRequest(role, f"{role}/v1", [ChatMessage(MessageRole.SYSTEM, "prompt"),
                                                ChatMessage(MessageRole.USER, text)], 256,
                           None, schema)


@pytest.mark.parametrize("goal", GOALS)
def test_plans_are_valid_dags_of_two_to_five_tasks(goal: str) -> None:
    result = plan(goal)

    assert schema_errors(result, PLAN_SCHEMA) == []
    tasks = result["tasks"]
    assert 2 <= len(tasks) <= 5 and result["complexity"] == len(tasks)
    ids = [t["id"] for t in tasks]
    assert len(set(ids)) == len(ids)
    seen: set[str] = set()
    for task in tasks:  # dependencies only on earlier tasks: acyclic
        assert set(task["depends_on"]) <= seen
        seen.add(task["id"])
    assert tasks[-1]["agent_role"] == "summarizer"
    assert plan(goal) == result


def test_listed_items_become_independent_research_tasks() -> None:
    assert listed_items("Compare PostgreSQL, SQLite and DuckDB") == [
        "Compare PostgreSQL", "SQLite", "DuckDB"]
    assert listed_items("Research solar and wind energy") == []
    tasks = plan("Plan a trip: book flights; reserve a hotel; rent a car")["tasks"]
    research = [t for t in tasks if t["id"].startswith("research-")]
    assert [t["depends_on"] for t in research] == [[], []]
    draft = next(t for t in tasks if t["id"] == "draft")
    assert draft["depends_on"] == ["research-1", "research-2"]
    assert {t["agent_role"] for t in tasks} == {"executor", "critic", "summarizer"}


async def test_every_role_gets_its_shape_labelled_as_offline() -> None:
    provider = OfflineProvider()
    answers = {role: json.loads((await provider.complete(request(role, "Check this TODO")))
                                .output)
               for role in ("planner", "executor", "critic", "summarizer", "custom")}

    assert set(answers["planner"]) == {"tasks", "complexity", "note"}
    assert answers["critic"]["verdict"] == "fail" and answers["critic"]["issues"]
    assert "summary" in answers["summarizer"] and "result" in answers["executor"]
    assert "result" in answers["custom"]
    assert all(answer["note"] == NOTE for answer in answers.values())
    assert json.loads((await provider.complete(request("critic", "All done."))).output)[
        "verdict"] == "pass"


async def test_answers_and_token_counts_are_deterministic() -> None:
    first = await OfflineProvider().complete(request("planner", GOALS[3]))
    second = await OfflineProvider().complete(request("planner", GOALS[3]))

    assert first == second
    assert first.model == "offline-deterministic-v1"
    assert first.input_tokens > 0 and first.output_tokens > 0


async def test_response_schema_is_honoured_by_every_role() -> None:
    schema = {"type": "object", "required": ["verdict", "score", "labels"],
              "properties": {"verdict": {"enum": ["pass", "fail"]},
                             "score": {"type": "number"},
                             "labels": {"type": "array", "items": {"type": "string"},
                                        "minItems": 2}}}
    for role in ("planner", "executor", "critic", "summarizer"):
        response = await OfflineProvider().complete(request(role, "Some work", schema))
        assert schema_errors(json.loads(response.output), schema) == [], role


async def test_stream_pieces_join_to_the_answer() -> None:
    provider = OfflineProvider(chunk_words=2)
    chunks = [c async for c in provider.stream(request("executor", "one two three four"))]

    final = chunks[-1].response
    assert final is not None and len(chunks) > 2
    assert "".join(c.delta for c in chunks) == final.output


def test_schema_checker_subset() -> None:
    schema = {"type": "object", "required": ["a"], "additionalProperties": False,
              "properties": {"a": {"type": "array", "items": {"type": "integer"}}}}
    assert schema_errors({"a": [1, 2]}, schema) == []
    assert schema_errors({"a": [1, "x"]}, schema) == ["$.a[1]: expected integer"]
    assert schema_errors({"a": [True]}, schema) == ["$.a[0]: expected integer"]
    assert schema_errors({"b": 1}, schema) == ["$: missing 'a'", "$: unexpected 'b'"]
    assert conform({"b": 1}, schema) == {"a": []}


def test_embeddings_are_unit_vectors_close_for_shared_words() -> None:
    same, near, far = (embed_text("solar power plants"), embed_text("solar power"),
                       embed_text("medieval poetry"))
    assert abs(sum(v * v for v in same) - 1) < 1e-9
    def dot(a: list[float], b: list[float]) -> float:
        return sum(x * y for x, y in zip(a, b, strict=True))

    assert dot(same, near) > dot(same, far)
