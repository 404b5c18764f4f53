"""``offline``: the default provider. Deterministic, and NOT a language model.

It answers every role with a schema-valid structured JSON answer derived from the text of the
conversation by fixed rules, so the whole pipeline runs with no network and the same input
always gives the same output. Every answer says so in its ``note`` (unless the caller's
schema forbids extra properties) and in its model name, ``offline-deterministic-v1``.
"""

from __future__ import annotations

import asyncio
import hashlib
import json
import math
import re
from collections.abc import AsyncIterator, Sequence
from typing import Any

from services.ai_runtime.core.models import ChatMessage, Embeddings, MessageRole, Usage
from services.ai_runtime.core.providers.base import (
    FailureKind,
    ProviderError,
    ProviderRequest,
    ProviderResponse,
    StreamChunk,
    estimate_prompt_tokens,
    estimate_tokens,
    pieces,
)
from services.ai_runtime.core.schema import conform
from shared.agents.sections import UPSTREAM_HEADING

MODEL = "offline-deterministic-v1"
EMBEDDING_MODEL = "offline-hash-embedding-v1"
EMBEDDING_DIMENSIONS = 64
NOTE = ("offline-deterministic-v1 is not a language model: this answer was derived from the "
        "request text by fixed rules")
MAX_RESEARCH_TASKS = 2
_LIST_SPLIT = re.compile(r"\s*(?:\n\s*[-*\u2022]\s*|\n\s*\d+[.)]\s*|;|,|\band\b)\s*")
_WORD = re.compile(r"[\w'-]+")


def last_user_text(messages: Sequence[ChatMessage]) -> str:
    """The latest user (or tool) message: what the caller asks now."""
    for message in reversed(messages):
        if message.role in (MessageRole.USER, MessageRole.TOOL):
            return message.content.strip()
    return messages[-1].content.strip() if messages else ""


def work_under_review(messages: Sequence[ChatMessage]) -> str:
    """What a critic judges or a summarizer sums up: the results of earlier tasks the agent
    pipeline put in the context (the last user message only says what to do with them)."""
    marker = f"{UPSTREAM_HEADING}:\n"
    for message in messages:
        if message.role == MessageRole.SYSTEM and marker in message.content:
            return message.content.split(marker, 1)[1].split("\n\n", 1)[0].strip()
    return ""


def main_work(results: str) -> str:
    """Of the earlier results (``- id: text`` lines), the longest text: the work itself rather
    than a verdict on it."""
    texts = [line.partition(": ")[2] for line in results.splitlines() if line.startswith("- ")]
    return max(texts, key=len, default=results)


def listed_items(goal: str) -> list[str]:
    """The several items a goal lists (``compare A, B and C`` -> A, B, C), else []."""
    _head, sep, tail = goal.partition(":")
    text = tail if sep and tail.strip() else goal
    if not sep and not any(mark in text for mark in (",", ";", "\n")):
        return []  # "X and Y" alone is one topic, not a list
    parts = [p.strip(" .\t\n") for p in _LIST_SPLIT.split(text)]
    items = [p for p in parts if p and len(p.split()) <= 12]
    return items if len(items) >= 2 and len(items) == len([p for p in parts if p]) else []


def _title(text: str, limit: int = 8) -> str:
    words = text.split()
    return " ".join(words[:limit]) + (" ..." if len(words) > limit else "")


def plan(goal: str) -> dict[str, Any]:
    """A DAG of 2..5 tasks for ``goal``: research -> draft -> critique -> summarize.

    Short goals get fewer steps; a goal listing several items gets one independent research
    task per item (at most two).
    """
    goal = " ".join(goal.split()) or "the goal"
    items = listed_items(goal)[:MAX_RESEARCH_TASKS]
    words = len(goal.split())
    tasks: list[dict[str, Any]] = []

    def add(task_id: str, title: str, instructions: str, role: str, depends_on: list[str],
            criteria: list[str]) -> None:
        tasks.append({"id": task_id, "title": title, "instructions": instructions,
                      "agent_role": role, "depends_on": depends_on, "tools": [],
                      "acceptance_criteria": criteria, "critical": True})

    topics = items or [goal]
    research_ids = []
    for i, topic in enumerate(topics, 1):
        task_id = f"research-{i}" if items else "research"
        research_ids.append(task_id)
        add(task_id, f"Research: {_title(topic)}", f"Gather the facts needed about: {topic}",
            "executor", [], [f"Covers {_title(topic, 5)}", "Names its sources"])
    if words <= 4 and not items:
        add("summarize", "Summarize the findings", f"Summarize what was found for: {goal}",
            "summarizer", research_ids, ["States the answer to the goal"])
        return {"tasks": tasks, "complexity": len(tasks)}
    add("draft", f"Draft: {_title(goal)}", f"Write the result for the goal: {goal}",
        "executor", research_ids, ["Addresses every part of the goal"])
    inputs = ["draft"]
    if words > 10 or items:
        add("critique", "Critique the draft", "Check the draft against the goal and list issues",
            "critic", ["draft"], ["Gives a pass or fail verdict"])
        inputs.append("critique")  # the summary sees the work and its review
    add("summarize", "Summarize the result", f"Summarize the final result for: {goal}",
        "summarizer", inputs, ["States the answer to the goal"])
    return {"tasks": tasks, "complexity": len(tasks)}


def critique(text: str) -> dict[str, Any]:
    """Fail text that is empty or marked unfinished; pass the rest."""
    issues = []
    if not text.strip():
        issues.append("the work is empty")
    for marker in ("TODO", "FIXME", "TBD"):
        if marker in text:
            issues.append(f"the work contains {marker}")
    return {"verdict": "fail" if issues else "pass", "issues": issues}


def summarize(text: str, limit: int = 40) -> str:
    """The first ``limit`` words of ``text``."""
    words = text.split()
    return " ".join(words[:limit]) + (" ..." if len(words) > limit else "")


def answer(role: str, messages: Sequence[ChatMessage],
           schema: dict[str, Any] | None = None) -> str:
    """The offline answer, as JSON text, for ``role``; fits ``schema`` when one is given."""
    text = last_user_text(messages)
    body: dict[str, Any]
    if role == "planner":
        body = plan(text)
    elif role == "critic":
        body = critique(work_under_review(messages) or text)
    elif role == "summarizer":
        body = {"summary": summarize(main_work(work_under_review(messages)) or text)}
    else:
        body = {"result": f"Offline result for: {summarize(text, 60)}"}
    if schema is None or schema.get("additionalProperties") is not False:
        body["note"] = NOTE
    value: Any = body if schema is None else conform(body, schema, summarize(text, 20))
    return json.dumps(value, ensure_ascii=False, sort_keys=False)


def embed_text(text: str) -> list[float]:
    """A unit vector from hashed words: texts sharing words point the same way."""
    vector = [0.0] * EMBEDDING_DIMENSIONS
    for word in _WORD.findall(text.lower()):
        digest = hashlib.sha256(word.encode()).digest()
        index = int.from_bytes(digest[:4], "big") % EMBEDDING_DIMENSIONS
        vector[index] += 1.0 if digest[4] & 1 else -1.0
    norm = math.sqrt(sum(v * v for v in vector))
    return [v / norm for v in vector] if norm else vector


class OfflineProvider:
    """The deterministic provider.

    Args:
        latency_ms: Simulated latency of every call, for benchmarks.
        chunk_words: Words per streamed chunk.
    """

    name = "offline"
    model = MODEL

    def __init__(self, latency_ms: int = 0, chunk_words: int = 8) -> None:
        self._latency = latency_ms / 1000
        self._chunk_words = chunk_words

    async def _wait(self) -> None:
        if self._latency:
            await asyncio.sleep(self._latency)

    async def complete(self, request: ProviderRequest) -> ProviderResponse:
        await self._wait()
        output = answer(request.role, request.messages, request.response_schema)
        return ProviderResponse(output, MODEL, estimate_prompt_tokens(request.messages),
                                estimate_tokens(output))

    async def stream(self, request: ProviderRequest) -> AsyncIterator[StreamChunk]:
        response = await self.complete(request)
        for piece in pieces(response.output, self._chunk_words):
            yield StreamChunk(delta=piece)
        yield StreamChunk(response=response)

    async def embed(self, texts: Sequence[str]) -> Embeddings:
        await self._wait()
        if not texts:
            raise ProviderError(FailureKind.REJECTED, "no texts")
        return Embeddings([embed_text(t) for t in texts], EMBEDDING_MODEL,
                          Usage(input_tokens=sum(estimate_tokens(t) for t in texts)))

    async def close(self) -> None:
        return None
