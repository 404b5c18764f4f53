"""The OpenAI, OpenAI-compatible and Anthropic providers, through their official SDKs,
against local servers speaking those APIs' wire formats."""

from __future__ import annotations

import dataclasses
import json
import logging
import pathlib
from typing import Any

import pytest
from pydantic import SecretStr

from cognition.runtime.v1 import completion_pb2
from cognition.runtime.v1 import runtime_service_pb2 as pb
from cognition.runtime.v1 import runtime_service_pb2_grpc as pb_grpc
from services.ai_runtime.config import Price, Settings
from services.ai_runtime.core.models import ChatMessage, MessageRole
from services.ai_runtime.core.providers.anthropic_messages import AnthropicProvider
from services.ai_runtime.core.providers.base import (
    FailureKind,
    ProviderError,
    ProviderRequest,
    ToolCall,
    ToolDefinition,
)
from services.ai_runtime.core.providers.openai_chat import OpenAIChatProvider
from services.ai_runtime.server import create_server
from tests.helpers import mesh_channel
from tests.unit.ai_runtime.wire_servers import (
    Reply,
    WireServer,
    anthropic_message,
    anthropic_stream,
    openai_completion,
    openai_stream,
)

REQUEST = ProviderRequest("executor", "executor/v1",
                          [ChatMessage(MessageRole.SYSTEM, "Be brief."),
                           ChatMessage(MessageRole.USER, "Say hi")], 64, 0.2)
SECRET = "sk-test-secret-never-logged"


def scripted(*replies: Reply) -> Any:
    queue = list(replies)

    def handler(path: str, body: dict[str, Any]) -> Reply:
        return queue.pop(0) if len(queue) > 1 else queue[0]
    return handler


def openai_provider(server: WireServer, retries: int = 0) -> OpenAIChatProvider:
    return OpenAIChatProvider("openai-compatible", "gpt-test", "embed-test", SECRET,
                              f"{server.url}/v1", 5.0, retries)


async def test_openai_complete_maps_messages_and_usage() -> None:
    async with WireServer(scripted(Reply(body=openai_completion("hi there")))) as server:
        provider = openai_provider(server)
        try:
            response = await provider.complete(REQUEST)
        finally:
            await provider.close()

    assert (response.output, response.model, response.input_tokens,
            response.output_tokens) == ("hi there", "gpt-test", 11, 7)
    path, headers, body = server.requests[0]
    assert path == "/v1/chat/completions"
    assert headers["authorization"] == f"Bearer {SECRET}"
    assert body["messages"] == [{"role": "system", "content": "Be brief."},
                                {"role": "user", "content": "Say hi"}]
    assert body["max_tokens"] == 64 and body["temperature"] == 0.2


async def test_openai_stream_yields_deltas_and_final_usage() -> None:
    reply = Reply(events=openai_stream(["Hel", "lo", "!"]))
    async with WireServer(scripted(reply)) as server:
        provider = openai_provider(server)
        try:
            chunks = [c async for c in provider.stream(REQUEST)]
        finally:
            await provider.close()

    assert [c.delta for c in chunks[:-1]] == ["Hel", "lo", "!"]
    final = chunks[-1].response
    assert final is not None
    assert (final.output, final.input_tokens, final.output_tokens) == ("Hello!", 11, 7)
    assert server.requests[0][2]["stream"] is True
    assert server.requests[0][2]["stream_options"] == {"include_usage": True}


async def test_openai_errors_are_classified() -> None:
    for status, kind in ((429, FailureKind.RATE_LIMITED), (503, FailureKind.UNAVAILABLE),
                         (400, FailureKind.REJECTED)):
        reply = Reply(status=status, body={"error": {"message": "nope", "type": "x"}})
        async with WireServer(scripted(reply)) as server:
            provider = openai_provider(server)
            try:
                with pytest.raises(ProviderError) as error:
                    await provider.complete(REQUEST)
            finally:
                await provider.close()
        assert error.value.kind is kind
        assert SECRET not in error.value.message


async def test_openai_embeddings() -> None:
    body = {"object": "list", "model": "embed-test", "usage": {"prompt_tokens": 4,
                                                                "total_tokens": 4},
            "data": [{"object": "embedding", "index": i, "embedding": [0.5, float(i)]}
                     for i in (1, 0)]}
    async with WireServer(scripted(Reply(body=body))) as server:
        provider = openai_provider(server)
        try:
            embeddings = await provider.embed(["a", "b"])
        finally:
            await provider.close()
    assert embeddings.vectors == [[0.5, 0.0], [0.5, 1.0]]
    assert embeddings.usage.input_tokens == 4


def anthropic_provider(server: WireServer, retries: int = 0) -> AnthropicProvider:
    return AnthropicProvider("claude-test", SECRET, server.url, 5.0, retries)


async def test_anthropic_complete_maps_system_and_usage() -> None:
    async with WireServer(scripted(Reply(body=anthropic_message("hello")))) as server:
        provider = anthropic_provider(server)
        try:
            response = await provider.complete(REQUEST)
        finally:
            await provider.close()

    assert (response.output, response.model, response.input_tokens,
            response.output_tokens) == ("hello", "claude-test", 13, 5)
    path, headers, body = server.requests[0]
    assert path == "/v1/messages"
    # The pinned SDK sends the key as a bearer token; older ones used x-api-key.
    assert SECRET in (headers.get("x-api-key"),
                      headers.get("authorization", "").removeprefix("Bearer "))
    assert body["system"] == "Be brief."
    assert body["messages"] == [{"role": "user", "content": "Say hi"}]
    assert body["max_tokens"] == 64


async def test_anthropic_stream_yields_deltas_and_usage() -> None:
    async with WireServer(scripted(Reply(events=anthropic_stream(["Hi", " you"])))) as server:
        provider = anthropic_provider(server)
        try:
            chunks = [c async for c in provider.stream(REQUEST)]
        finally:
            await provider.close()

    assert [c.delta for c in chunks[:-1]] == ["Hi", " you"]
    final = chunks[-1].response
    assert final is not None
    assert (final.output, final.model, final.input_tokens, final.output_tokens) == (
        "Hi you", "claude-test", 13, 5)


async def test_anthropic_rate_limit_is_classified() -> None:
    reply = Reply(status=429, body={"type": "error", "error": {"type": "rate_limit_error",
                                                               "message": "slow down"}})
    async with WireServer(scripted(reply)) as server:
        provider = anthropic_provider(server)
        try:
            with pytest.raises(ProviderError) as error:
                await provider.complete(REQUEST)
        finally:
            await provider.close()
    assert error.value.kind is FailureKind.RATE_LIMITED


LOOKUP = ToolDefinition("lookup", "Looks a word up.",
                        {"type": "object", "properties": {"word": {"type": "string"}}})


async def test_anthropic_tools_are_offered_and_tool_use_comes_back_as_calls() -> None:
    answer = anthropic_message("Let me look.")
    answer["content"].append({"type": "tool_use", "id": "toolu_1", "name": "lookup",
                              "input": {"word": "gRPC"}})
    answer["stop_reason"] = "tool_use"
    async with WireServer(scripted(Reply(body=answer))) as server:
        provider = anthropic_provider(server)
        try:
            forced = await provider.complete(dataclasses.replace(
                REQUEST, tools=(LOOKUP,), tool_choice="lookup"))
            await provider.complete(dataclasses.replace(REQUEST, tools=(LOOKUP,),
                                                        tool_choice="required"))
        finally:
            await provider.close()

    assert forced.output == "Let me look."
    assert forced.tool_calls == (ToolCall("toolu_1", "lookup", '{"word": "gRPC"}'),)
    first, second = (body for _path, _headers, body in server.requests)
    assert first["tools"] == [{"name": "lookup", "description": "Looks a word up.",
                               "input_schema": dict(LOOKUP.parameters)}]
    assert first["tool_choice"] == {"type": "tool", "name": "lookup"}
    assert second["tool_choice"] == {"type": "any"}


async def test_anthropic_streamed_tool_use_is_assembled() -> None:
    events = anthropic_stream([])
    tool_use = [
        ("content_block_start", {"type": "content_block_start", "index": 1,
                                 "content_block": {"type": "tool_use", "id": "toolu_1",
                                                   "name": "lookup", "input": {}}}),
        ("content_block_delta", {"type": "content_block_delta", "index": 1,
                                 "delta": {"type": "input_json_delta",
                                           "partial_json": '{"word": '}}),
        ("content_block_delta", {"type": "content_block_delta", "index": 1,
                                 "delta": {"type": "input_json_delta",
                                           "partial_json": '"gRPC"}'}}),
        ("content_block_stop", {"type": "content_block_stop", "index": 1})]
    events[3:3] = tool_use  # after the (empty) text block
    async with WireServer(scripted(Reply(events=events))) as server:
        provider = anthropic_provider(server)
        try:
            chunks = [c async for c in provider.stream(dataclasses.replace(
                REQUEST, tools=(LOOKUP,)))]
        finally:
            await provider.close()

    final = chunks[-1].response
    assert final is not None
    assert final.tool_calls == (ToolCall("toolu_1", "lookup", '{"word": "gRPC"}'),)
    assert server.requests[0][2]["tool_choice"] == {"type": "auto"}


def user(text: str) -> completion_pb2.Message:
    return completion_pb2.Message(role=completion_pb2.MESSAGE_ROLE_USER, content=text)


async def test_sdk_retries_a_429_and_usage_is_recorded(tmp_path: pathlib.Path,
                                                       caplog: pytest.LogCaptureFixture) -> None:
    """Through the real server: OpenAI-compatible answers 429 once (retry-after-ms: 1), the
    SDK retries, and the completion is priced from the usage the server reported."""
    throttled = Reply(status=429, headers={"retry-after-ms": "1"},
                      body={"error": {"message": "rate limited", "type": "rate_limit"}})
    async with WireServer(scripted(throttled, Reply(body=openai_completion(
            json.dumps({"result": "done"}), prompt=1000, completion=500)))) as server:
        running = await create_server(Settings(
            port=0, mesh={"data_dir": str(tmp_path)},  # type: ignore[arg-type]
            routes={"executor": ["openai-compatible"]}, provider_max_retries=2,
            openai_compatible_base_url=f"{server.url}/v1", openai_compatible_model="gpt-test",
            openai_compatible_api_key=SecretStr(SECRET),
            prices={"openai-compatible/gpt-test": Price(input=100, output=200)}))
        try:
            async with mesh_channel(f"127.0.0.1:{running.port}") as channel:
                stub = pb_grpc.RuntimeServiceStub(channel)
                caplog.set_level(logging.DEBUG)
                completion = (await stub.Complete(pb.CompleteRequest(
                    parent="tenants/acme", role="executor", messages=[user("do it")]))
                ).completion
                usage = await stub.GetUsage(pb.GetUsageRequest(
                    parent="tenants/acme", group_by=pb.USAGE_GROUP_BY_PROVIDER))
        finally:
            await running.stop(0)

    assert len(server.requests) == 2
    assert completion.provider == "openai-compatible" and completion.model == "gpt-test"
    assert (completion.usage.input_tokens, completion.usage.output_tokens,
            completion.usage.cost_micros) == (1000, 500, 200)
    assert [(r.key, r.usage.cost_micros) for r in usage.rows] == [("openai-compatible", 200)]
    assert server.requests[1][1]["authorization"] == f"Bearer {SECRET}"
    assert caplog.records and SECRET not in caplog.text
    assert SECRET not in repr(running)


async def test_anthropic_streams_through_the_server(tmp_path: pathlib.Path) -> None:
    async with WireServer(scripted(Reply(events=anthropic_stream(
            ['{"summary": ', '"short"}'])))) as server:
        running = await create_server(Settings(
            port=0, mesh={"data_dir": str(tmp_path)},  # type: ignore[arg-type]
            routes={"summarizer": ["anthropic"]}, anthropic_base_url=server.url,
            anthropic_api_key=SecretStr(SECRET), anthropic_model="claude-test",
            provider_max_retries=0))
        try:
            async with mesh_channel(f"127.0.0.1:{running.port}") as channel:
                stub = pb_grpc.RuntimeServiceStub(channel)
                chunks = [c async for c in stub.StreamComplete(pb.StreamCompleteRequest(
                    parent="tenants/acme", role="summarizer", messages=[user("text")]))]
        finally:
            await running.stop(0)

    assert [c.delta for c in chunks[:-1]] == ['{"summary": ', '"short"}']
    completion = chunks[-1].completion
    assert (completion.provider, completion.output) == ("anthropic", '{"summary": "short"}')
    assert (completion.usage.input_tokens, completion.usage.output_tokens) == (13, 5)
