"""Completions over a real ai-runtime server on a free port: offline answers, streaming,
budgets, idempotent charging, usage and prompt versions."""

from __future__ import annotations

import json
import pathlib
import sqlite3
from collections.abc import AsyncIterator

import grpc
import pytest

from cognition.runtime.v1 import completion_pb2
from cognition.runtime.v1 import runtime_service_pb2 as pb
from cognition.runtime.v1 import runtime_service_pb2_grpc as pb_grpc
from services.ai_runtime.config import Price, Settings
from services.ai_runtime.server import create_server
from shared.config import MeshSettings
from shared.rpc.status import from_rpc_error
from tests.helpers import mesh_channel

USER = completion_pb2.MESSAGE_ROLE_USER
USER_MESSAGE = completion_pb2.Message(role=USER, content="task")


def ask(text: str, role: str = "executor", **fields: object) -> pb.CompleteRequest:
    return pb.CompleteRequest(parent="tenants/acme", role=role,
                              messages=[completion_pb2.Message(role=USER, content=text)],
                              **fields)  # type: ignore[arg-type]


async def serve(tmp_path: pathlib.Path, **settings: object
                ) -> AsyncIterator[pb_grpc.RuntimeServiceStub]:
    running = await create_server(Settings(
        port=0, mesh=MeshSettings(data_dir=tmp_path), **settings))  # type: ignore[arg-type]
    try:
        async with mesh_channel(f"127.0.0.1:{running.port}") as channel:
            yield pb_grpc.RuntimeServiceStub(channel)
    finally:
        await running.stop(0)


@pytest.fixture
async def stub(tmp_path: pathlib.Path) -> AsyncIterator[pb_grpc.RuntimeServiceStub]:
    async for value in serve(tmp_path):
        yield value


@pytest.fixture
async def priced(tmp_path: pathlib.Path) -> AsyncIterator[pb_grpc.RuntimeServiceStub]:
    # Offline answers cost nothing by default; price them so budgets can be spent.
    async for value in serve(
            tmp_path, prices={"offline/offline-deterministic-v1": Price(input=1000, output=1000)},
            tenant_budgets={"acme": 400}):
        yield value


async def test_complete_answers_offline_and_records_the_completion(
        stub: pb_grpc.RuntimeServiceStub) -> None:
    completion = (await stub.Complete(ask(
        "Compare PostgreSQL, SQLite and DuckDB for analytics", role="planner",
        goal="tenants/acme/goals/g1", agent="tenants/acme/agents/a1"))).completion

    plan = json.loads(completion.output)
    assert 2 <= len(plan["tasks"]) <= 5
    assert "not a language model" in plan["note"]
    assert completion.provider == "offline"
    assert completion.model == "offline-deterministic-v1"
    assert completion.prompt_version == "planner/v2"  # the newest version
    assert completion.messages[0].role == completion_pb2.MESSAGE_ROLE_SYSTEM
    assert "Compare PostgreSQL" in completion.messages[0].content  # {{goal}} rendered
    assert completion.usage.input_tokens > 0 and completion.usage.output_tokens > 0
    assert completion.usage.cost_micros == 0
    assert [(a.provider, a.outcome) for a in completion.attempts] == [
        ("offline", completion_pb2.ATTEMPT_OUTCOME_SUCCEEDED)]
    assert (await stub.GetCompletion(pb.GetCompletionRequest(name=completion.name))
            ).completion == completion
    listed = await stub.ListCompletions(pb.ListCompletionsRequest(
        parent="tenants/acme", filter='role = "planner" AND goal = "tenants/acme/goals/g1"'))
    assert [c.name for c in listed.completions] == [completion.name]


async def test_stream_complete_sends_deltas_then_the_stored_completion(
        stub: pb_grpc.RuntimeServiceStub) -> None:
    request = ask("Write a haiku about gRPC streams")
    chunks = [c async for c in stub.StreamComplete(pb.StreamCompleteRequest(
        parent=request.parent, role=request.role, messages=request.messages))]

    *deltas, last = chunks
    assert len(deltas) >= 2 and all(d.delta and not d.HasField("completion") for d in deltas)
    assert last.HasField("completion")
    assert "".join(d.delta for d in chunks) == last.completion.output
    assert json.loads(last.completion.output)["result"]
    stored = await stub.GetCompletion(pb.GetCompletionRequest(name=last.completion.name))
    assert stored.completion.output == last.completion.output


async def test_bad_requests_are_refused_with_the_field(stub: pb_grpc.RuntimeServiceStub) -> None:
    for request, code in (
            (ask("x", role="nobody"), grpc.StatusCode.INVALID_ARGUMENT),
            (ask("x", response_schema="not json"), grpc.StatusCode.INVALID_ARGUMENT),
            (ask("x", response_schema="[" * 65_536), grpc.StatusCode.INVALID_ARGUMENT),
            (ask("x", goal="tenants/other/goals/g"), grpc.StatusCode.INVALID_ARGUMENT),
            (pb.CompleteRequest(parent="tenants/acme", role="executor"),
             grpc.StatusCode.INVALID_ARGUMENT)):
        with pytest.raises(grpc.aio.AioRpcError) as error:
            await stub.Complete(request)
        assert error.value.code() == code


@pytest.mark.parametrize(("pattern", "why"), [("(a)\\1", "backreferences"),
                                              ("x(?!y)", "lookaround"), ("[", "RE2 syntax")])
async def test_a_response_schema_pattern_re2_cannot_run_is_refused(
        stub: pb_grpc.RuntimeServiceStub, pattern: str, why: str) -> None:
    schema = {"type": "object", "properties": {"answer": {"type": "string",
                                                          "pattern": pattern}}}
    with pytest.raises(grpc.aio.AioRpcError) as error:
        await stub.Complete(ask("x", response_schema=json.dumps(schema)))
    assert error.value.code() == grpc.StatusCode.INVALID_ARGUMENT
    [violation] = from_rpc_error(error.value).violations  # type: ignore[attr-defined]
    assert violation.field == "response_schema"
    assert "$.properties.answer.pattern" in violation.description
    assert why in violation.description


async def test_response_schema_is_honoured(stub: pb_grpc.RuntimeServiceStub) -> None:
    schema = {"type": "object", "required": ["answer", "confidence", "tags"],
              "additionalProperties": False,
              "properties": {"answer": {"type": "string"},
                             "confidence": {"type": "string", "enum": ["low", "high"]},
                             "tags": {"type": "array", "items": {"type": "string"},
                                      "minItems": 1}}}

    completion = (await stub.Complete(ask("What is 2+2?", response_schema=json.dumps(schema)))
                  ).completion

    value = json.loads(completion.output)
    assert set(value) == {"answer", "confidence", "tags"}
    assert value["confidence"] == "low" and len(value["tags"]) == 1


async def test_over_budget_is_refused_before_any_provider_and_charges_nothing(
        priced: pb_grpc.RuntimeServiceStub) -> None:
    first = (await priced.Complete(ask("short task", max_output_tokens=50))).completion
    assert first.usage.cost_micros > 0
    spent = first.usage.cost_micros

    with pytest.raises(grpc.aio.AioRpcError) as error:
        await priced.Complete(ask("another task " * 100, max_output_tokens=100))
    assert error.value.code() == grpc.StatusCode.RESOURCE_EXHAUSTED

    usage = await priced.GetUsage(pb.GetUsageRequest(parent="tenants/acme"))
    assert [(r.usage.cost_micros, r.completion_count) for r in usage.rows] == [(spent, 1)]
    listed = await priced.ListCompletions(pb.ListCompletionsRequest(parent="tenants/acme"))
    assert len(listed.completions) == 1
    with pytest.raises(grpc.aio.AioRpcError) as streamed:
        _ = [c async for c in priced.StreamComplete(pb.StreamCompleteRequest(
            parent="tenants/acme", role="executor", messages=[USER_MESSAGE],
            max_output_tokens=1000))]
    assert streamed.value.code() == grpc.StatusCode.RESOURCE_EXHAUSTED


async def test_a_request_id_is_charged_once(priced: pb_grpc.RuntimeServiceStub) -> None:
    request = ask("short task", max_output_tokens=50, request_id="r-1")
    first = (await priced.Complete(request)).completion
    again = (await priced.Complete(request)).completion
    stream = pb.StreamCompleteRequest(parent=request.parent, role=request.role,
                                      messages=request.messages, max_output_tokens=50,
                                      request_id="r-1")
    streamed = [c async for c in priced.StreamComplete(stream)]

    assert again == first
    assert streamed[-1].completion == first
    usage = await priced.GetUsage(pb.GetUsageRequest(parent="tenants/acme"))
    assert [(r.usage.cost_micros, r.completion_count) for r in usage.rows] == [
        (first.usage.cost_micros, 1)]


async def test_usage_is_grouped_as_asked(stub: pb_grpc.RuntimeServiceStub) -> None:
    await stub.Complete(ask("a", role="critic", goal="tenants/acme/goals/g1"))
    await stub.Complete(ask("b", role="critic", goal="tenants/acme/goals/g2"))
    await stub.Complete(ask("c", role="summarizer", goal="tenants/acme/goals/g1"))

    by_role = await stub.GetUsage(pb.GetUsageRequest(parent="tenants/acme",
                                                     group_by=pb.USAGE_GROUP_BY_ROLE))
    by_goal = await stub.GetUsage(pb.GetUsageRequest(parent="tenants/acme",
                                                     group_by=pb.USAGE_GROUP_BY_GOAL))

    assert {r.key: r.completion_count for r in by_role.rows} == {"critic": 2, "summarizer": 1}
    assert {r.key: r.completion_count for r in by_goal.rows} == {
        "tenants/acme/goals/g1": 2, "tenants/acme/goals/g2": 1}
    assert all(r.usage.input_tokens > 0 for r in by_role.rows)


async def test_prompt_versions_are_listed_with_digests(
        stub: pb_grpc.RuntimeServiceStub) -> None:
    for role in ("planner", "executor", "critic", "summarizer"):
        listed = await stub.ListPromptVersions(pb.ListPromptVersionsRequest(role=role))
        assert [v.name for v in listed.prompt_versions] == [
            f"prompts/{role}/versions/v2", f"prompts/{role}/versions/v1"]  # newest first
        assert all(len(version.digest) == 64 for version in listed.prompt_versions)
    with pytest.raises(grpc.aio.AioRpcError) as error:
        await stub.ListPromptVersions(pb.ListPromptVersionsRequest(role="nobody"))
    assert error.value.code() == grpc.StatusCode.NOT_FOUND


async def test_embed_is_charged_and_counted_in_usage(priced: pb_grpc.RuntimeServiceStub) -> None:
    embedded = await priced.Embed(pb.EmbedRequest(parent="tenants/acme",
                                                  texts=["solar power", "wind"]))

    assert [len(e.values) for e in embedded.embeddings] == [64, 64]
    assert embedded.usage.input_tokens > 0
    usage = await priced.GetUsage(pb.GetUsageRequest(parent="tenants/acme",
                                                     group_by=pb.USAGE_GROUP_BY_MODEL))
    assert [(r.key, r.usage.input_tokens, r.completion_count) for r in usage.rows] == [
        ("offline-hash-embedding-v1", embedded.usage.input_tokens, 0)]


async def test_each_complete_call_is_audited_once(priced: pb_grpc.RuntimeServiceStub,
                                                  tmp_path: pathlib.Path) -> None:
    """A new completion's audit entry commits with the completion; a replayed call and a
    refused one get theirs from the RPC boundary; no call gets two."""
    request = ask("short task", max_output_tokens=50, request_id="r-audited")
    first = (await priced.Complete(request)).completion
    await priced.Complete(request)
    with pytest.raises(grpc.aio.AioRpcError):
        await priced.Complete(ask("another task " * 100, max_output_tokens=100))

    with sqlite3.connect(tmp_path / "ai_runtime.db") as db:
        entries = db.execute("SELECT action, outcome, resource FROM audit_outbox "
                             "ORDER BY create_time").fetchall()
    assert entries == [("runtime.complete", "SUCCESS", first.name),
                       ("runtime.complete", "SUCCESS", first.name),
                       ("runtime.complete", "FAILURE", "tenants/acme")]
