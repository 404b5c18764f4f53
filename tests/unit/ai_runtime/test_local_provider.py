"""The ``local`` provider (llama.cpp's OpenAI-compatible server) through the official SDK,
against a local server speaking that wire format: structured output in llama.cpp's form, tool
calls, a stream closed when its caller goes away, and the queue before the model server, over
a real ai-runtime server."""

from __future__ import annotations

import asyncio
import contextlib
import dataclasses
import json
import pathlib
from collections.abc import AsyncIterator
from typing import Any

import grpc
import pytest
from pydantic import ValidationError

from cognition.runtime.v1 import completion_pb2
from cognition.runtime.v1 import runtime_service_pb2 as pb
from cognition.runtime.v1 import runtime_service_pb2_grpc as pb_grpc
from services.ai_runtime.config import Settings
from services.ai_runtime.core.models import ChatMessage, MessageRole
from services.ai_runtime.core.providers.base import (
    FailureKind,
    ProviderError,
    ProviderRequest,
    ToolCall,
    ToolDefinition,
)
from services.ai_runtime.core.providers.local import LocalProvider
from services.ai_runtime.core.providers.openai_chat import OpenAIChatProvider
from services.ai_runtime.server import build_providers, build_router, create_server
from shared.config import MeshSettings
from tests.helpers import assert_eventually, mesh_channel
from tests.unit.ai_runtime.wire_servers import (
    Reply,
    WireServer,
    openai_chunk,
    openai_completion,
    openai_stream,
)

SCHEMA = {"type": "object", "properties": {"result": {"type": "string"}},
          "required": ["result"]}
WEATHER = ToolDefinition("get_weather", "The weather of a city.",
                         {"type": "object", "properties": {"city": {"type": "string"}},
                          "required": ["city"]})
CLOCK = ToolDefinition("get_time", "The time now.", {"type": "object", "properties": {}})


def request(**fields: Any) -> ProviderRequest:
    return ProviderRequest("executor", "executor/v1",
                           [ChatMessage(MessageRole.USER, "Say hi")], 64, **fields)


def always(reply: Reply) -> Any:
    return lambda path, body: reply


def local(server: WireServer, timeout: float = 5.0) -> LocalProvider:
    return LocalProvider("qwen-test", f"{server.url}/v1", timeout, 0)


async def test_the_local_settings_come_from_the_environment_and_build_a_gated_router(
        monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("COGNOS_AI_RUNTIME_DEFAULT_ROUTE", '["local", "offline"]')
    monkeypatch.setenv("COGNOS_AI_RUNTIME_LOCAL_BASE_URL", "http://127.0.0.1:9999/v1")
    monkeypatch.setenv("COGNOS_AI_RUNTIME_LOCAL_MODEL", "smollm2-135m")
    monkeypatch.setenv("COGNOS_AI_RUNTIME_LOCAL_SLOTS", "3")
    settings = Settings()
    router = build_router(settings)
    try:
        assert [(p.name, p.model, p.slots) for p in router.loads()] == [
            ("local", "smollm2-135m", 3), ("local-embeddings", "all-minilm-l6-v2", 1),
            ("offline", "offline-deterministic-v1", 0)]  # embed_route's default too
        assert settings.local_timeout_seconds == 300
    finally:
        await router.close()
    assert "local" not in build_providers(Settings(default_route=["offline"]))
    monkeypatch.setenv("COGNOS_AI_RUNTIME_LOCAL_SLOTS", "0")
    with pytest.raises(ValidationError):
        Settings()


async def test_an_answer_under_a_schema_with_a_raw_line_break_comes_back_as_strict_json(
        ) -> None:
    raw = '{"result": "first\nsecond"}'  # a line break inside the string, as llama.cpp let it
    async with WireServer(always(Reply(body=openai_completion(raw)))) as server:
        provider = local(server)
        try:
            constrained = await provider.complete(request(response_schema=SCHEMA))
            free = await provider.complete(request())
        finally:
            await provider.close()

    assert json.loads(constrained.output) == {"result": "first\nsecond"}
    assert constrained.output == '{"result": "first\\nsecond"}'
    assert free.output == raw  # without a schema the text is the model's own


async def test_local_sends_the_response_schema_in_llama_cpps_json_object_form() -> None:
    async with WireServer(always(Reply(body=openai_completion('{"result": "hi"}')))) as server:
        provider = local(server)
        try:
            response = await provider.complete(request(response_schema=SCHEMA))
        finally:
            await provider.close()

    path, _headers, body = server.requests[0]
    assert path == "/v1/chat/completions"
    assert body["model"] == "qwen-test"
    assert body["response_format"] == {"type": "json_object", "schema": SCHEMA}
    assert (response.output, response.input_tokens, response.output_tokens) == (
        '{"result": "hi"}', 11, 7)


async def test_other_openai_compatible_servers_are_asked_for_plain_json() -> None:
    async with WireServer(always(Reply(body=openai_completion('{"result": "hi"}')))) as server:
        provider = OpenAIChatProvider("openai-compatible", "gpt-test", "embed-test", None,
                                      f"{server.url}/v1", 5.0, 0)
        try:
            await provider.complete(request(response_schema=SCHEMA))
        finally:
            await provider.close()

    assert server.requests[0][2]["response_format"] == {"type": "json_object"}


async def test_tools_are_offered_as_structured_output_and_a_call_comes_back() -> None:
    replies = [Reply(body=openai_completion(
                   '{"tool_call": {"name": "get_weather", "arguments": {"city": "Oslo"}}}')),
               Reply(body=openai_completion('{"result": "Sunny in Oslo"}')),
               Reply(body=openai_completion('{"tool_call": {"name": "get_time", '
                                            '"arguments": {}}}'))]
    async with WireServer(lambda path, body: replies.pop(0)) as server:
        provider = local(server)
        try:
            called = await provider.complete(request(tools=(WEATHER, CLOCK),
                                                     response_schema=SCHEMA))
            conversation = [ChatMessage(MessageRole.USER, "Weather in Oslo?"),
                            ChatMessage(MessageRole.ASSISTANT, "", called.tool_calls),
                            ChatMessage(MessageRole.TOOL, "sunny, 21 C",
                                        tool_call_id=called.tool_calls[0].id)]
            answered = await provider.complete(dataclasses.replace(
                request(tools=(WEATHER, CLOCK), response_schema=SCHEMA),
                messages=conversation))
            forced = await provider.complete(request(tools=(WEATHER, CLOCK),
                                                     tool_choice="get_time"))
        finally:
            await provider.close()

    assert called.output == "" and called.tool_calls == (
        ToolCall("local-call-1", "get_weather", '{"city": "Oslo"}'),)
    assert answered.tool_calls == () and answered.output == '{"result": "Sunny in Oslo"}'
    assert forced.tool_calls[0].name == "get_time"
    first, second, third = (body for _path, _headers, body in server.requests)
    assert "tools" not in first and "get_weather: The weather of a city." in (
        first["messages"][0]["content"])
    weather, clock, answer = first["response_format"]["schema"]["anyOf"]
    weather_call = weather["properties"]["tool_call"]["properties"]
    assert weather_call == {"name": {"enum": ["get_weather"]},
                            "arguments": dict(WEATHER.parameters)}
    assert clock["properties"]["tool_call"]["properties"]["name"] == {"enum": ["get_time"]}
    assert answer == SCHEMA
    assert [m["role"] for m in second["messages"]] == ["system", "user", "assistant", "user"]
    assert json.loads(second["messages"][2]["content"]) == {
        "tool_call": {"name": "get_weather", "arguments": {"city": "Oslo"}}}
    assert second["messages"][3]["content"] == "Tool result:\nsunny, 21 C"
    assert third["response_format"]["schema"]["properties"]["tool_call"]["properties"][
        "name"]["enum"] == ["get_time"]  # a named tool is the only way out


def test_a_tool_choice_naming_no_offered_tool_is_refused() -> None:
    with pytest.raises(ValueError, match="names no tool"):
        request(tools=(WEATHER,), tool_choice="get_time")


async def test_streamed_tool_calls_are_assembled_from_their_deltas() -> None:
    deltas = [
        {"role": "assistant", "content": None,
         "tool_calls": [{"index": 0, "id": "call_1", "type": "function",
                         "function": {"name": "get_weather", "arguments": ""}}]},
        {"tool_calls": [{"index": 0, "function": {"arguments": '{"city": '}}]},
        {"tool_calls": [{"index": 1, "id": "call_2", "type": "function",
                         "function": {"name": "get_time", "arguments": "{}"}}]},
        {"tool_calls": [{"index": 0, "function": {"arguments": '"Oslo"}'}}]},
    ]
    events: list[tuple[str | None, Any]] = [(None, openai_chunk(d)) for d in deltas]
    events += [(None, openai_chunk({}, finish="tool_calls")), (None, "[DONE]")]
    async with WireServer(always(Reply(events=events))) as server:
        provider = local(server)
        try:
            chunks = [c async for c in provider.stream(request(tools=(WEATHER, CLOCK)))]
        finally:
            await provider.close()

    final = chunks[-1].response
    assert final is not None and len(chunks) == 1  # no text deltas
    assert final.tool_calls == (ToolCall("call_1", "get_weather", '{"city": "Oslo"}'),
                                ToolCall("call_2", "get_time", "{}"))


async def test_local_has_no_embeddings() -> None:
    async with WireServer(always(Reply(body={}))) as server:
        provider = local(server)
        try:
            with pytest.raises(ProviderError) as error:
                await provider.embed(["text"])
        finally:
            await provider.close()
    assert error.value.kind is FailureKind.UNSUPPORTED
    assert server.requests == []


def endless_stream() -> Reply:
    """A stream that sends a first piece, then a piece at a time until its client leaves."""
    first = openai_stream(['{"result": "'])[:2]
    return Reply(events=first, trickle=openai_chunk({"content": "more "}))


async def test_a_stream_cancelled_while_reading_closes_the_http_stream() -> None:
    async with WireServer(always(endless_stream())) as server:
        provider = local(server)
        first = asyncio.Event()

        async def consume() -> None:
            async for _chunk in provider.stream(request()):
                first.set()

        task = asyncio.create_task(consume())
        try:
            await first.wait()
            task.cancel()
            with pytest.raises(asyncio.CancelledError):
                await task
            # The model server sees its client leave, so it stops generating.
            await asyncio.wait_for(server.client_gone.wait(), 10)
        finally:
            await provider.close()


async def test_a_stream_closed_between_chunks_closes_the_http_stream() -> None:
    async with WireServer(always(endless_stream())) as server:
        provider = local(server)
        try:
            stream = provider.stream(request())
            await anext(stream)
            await stream.aclose()  # as its consumer's generator does when the call ends
            await asyncio.wait_for(server.client_gone.wait(), 10)
        finally:
            await provider.close()


def user(text: str) -> completion_pb2.Message:
    return completion_pb2.Message(role=completion_pb2.MESSAGE_ROLE_USER, content=text)


@contextlib.asynccontextmanager
async def local_runtime(tmp_path: pathlib.Path, reply: Reply, **settings: Any
                        ) -> AsyncIterator[tuple[WireServer, pb_grpc.RuntimeServiceStub]]:
    """A model server answering ``reply``, and a runtime routing every role to it."""
    async with WireServer(always(reply)) as server:
        running = await create_server(Settings(
            port=0, mesh=MeshSettings(data_dir=tmp_path),  # type: ignore[call-arg]
            default_route=["local"], local_base_url=f"{server.url}/v1",
            local_model="qwen-test", provider_max_retries=0, **settings))
        try:
            async with mesh_channel(f"127.0.0.1:{running.port}") as channel:
                yield server, pb_grpc.RuntimeServiceStub(channel)
        finally:
            await running.stop(0)


async def providers_of(stub: pb_grpc.RuntimeServiceStub) -> dict[str, pb.Provider]:
    listed = await stub.ListProviders(pb.ListProvidersRequest(), timeout=10)
    return {p.name: p for p in listed.providers}


async def test_stream_complete_cancelled_by_its_caller_closes_the_model_servers_stream(
        tmp_path: pathlib.Path) -> None:
    async with local_runtime(tmp_path, endless_stream()) as (server, stub):
        call = stub.StreamComplete(pb.StreamCompleteRequest(
            parent="tenants/acme", role="executor", messages=[user("go on")]))
        first = await call.read()
        assert isinstance(first, pb.StreamCompleteResponse) and first.delta
        call.cancel()
        await asyncio.wait_for(server.client_gone.wait(), 10)

        async def slot_free() -> bool:
            local_provider = (await providers_of(stub))["providers/local"]
            return (local_provider.in_flight, local_provider.queued) == (0, 0)
        await assert_eventually(slot_free, message="the cancelled call gave back its slot")


async def test_32_concurrent_completes_all_succeed_one_at_a_time_on_one_slot(
        tmp_path: pathlib.Path) -> None:
    """Each call takes 0.05 s on the server: without the queue they would overlap there. The
    last waits at least 31 x 0.05 s for its turn, longer than local's timeout of one call
    (1 s), which starts with the turn; the router's default timeout (0.01 s, shorter than any
    call) is not local's."""
    answer = Reply(body=openai_completion('{"result": "ok"}', "qwen-test", 20, 10), delay=0.05)
    async with local_runtime(tmp_path, answer, local_slots=1, local_timeout_seconds=1,
                             provider_timeout_seconds=0.01) as (server, stub):
        completions = await asyncio.gather(*(
            stub.Complete(pb.CompleteRequest(parent="tenants/acme", role="executor",
                                             messages=[user(f"task {i}")]), timeout=60)
            for i in range(32)))
        listed = await providers_of(stub)

    assert len(server.requests) == 32 and server.most_in_flight == 1
    assert {c.completion.provider for c in completions} == {"local"}
    assert all(c.completion.attempts[0].outcome == completion_pb2.ATTEMPT_OUTCOME_SUCCEEDED
               for c in completions)
    served = listed["providers/local"]
    assert (served.model, served.slots, served.in_flight, served.queued,
            served.completion_count) == ("qwen-test", 1, 0, 0, 32)
    assert served.output_tokens_per_second > 0
    offline = listed["providers/offline"]
    assert (offline.slots, offline.completion_count, offline.output_tokens_per_second) == (
        0, 0, 0.0)


async def test_list_providers_shows_the_calls_running_and_waiting(
        tmp_path: pathlib.Path) -> None:
    release = asyncio.Event()
    answer = Reply(body=openai_completion('{"result": "ok"}', "qwen-test"), hold=release)
    async with local_runtime(tmp_path, answer, local_slots=2) as (server, stub):
        calls = [asyncio.ensure_future(stub.Complete(pb.CompleteRequest(
            parent="tenants/acme", role="executor", messages=[user(f"task {i}")]),
            timeout=60)) for i in range(5)]

        async def two_running_three_waiting() -> bool:
            local_provider = (await providers_of(stub))["providers/local"]
            return (local_provider.in_flight, local_provider.queued) == (2, 3)
        await assert_eventually(two_running_three_waiting, message="2 running, 3 queued")
        assert server.in_flight == 2
        release.set()
        await asyncio.gather(*calls)
        after = (await providers_of(stub))["providers/local"]

    assert (after.in_flight, after.queued, after.completion_count) == (0, 0, 5)
    assert server.most_in_flight == 2


async def test_the_callers_deadline_ends_a_wait_in_the_queue(tmp_path: pathlib.Path) -> None:
    release = asyncio.Event()
    answer = Reply(body=openai_completion('{"result": "ok"}', "qwen-test"), hold=release)
    async with local_runtime(tmp_path, answer, local_slots=1) as (server, stub):
        running = asyncio.ensure_future(stub.Complete(pb.CompleteRequest(
            parent="tenants/acme", role="executor", messages=[user("first")]), timeout=60))

        async def one_running() -> bool:
            return (await providers_of(stub))["providers/local"].in_flight == 1
        await assert_eventually(one_running, message="the first call runs")
        with pytest.raises(grpc.aio.AioRpcError) as error:
            await stub.Complete(pb.CompleteRequest(
                parent="tenants/acme", role="executor", messages=[user("second")]),
                timeout=0.5)
        assert error.value.code() is grpc.StatusCode.DEADLINE_EXCEEDED

        async def queue_empty() -> bool:
            return (await providers_of(stub))["providers/local"].queued == 0
        await assert_eventually(queue_empty, message="the expired call left the queue")
        release.set()
        assert (await running).completion.provider == "local"

    assert len(server.requests) == 1  # the expired call never reached the model server


async def test_a_schema_request_through_the_server_reaches_llama_cpp_as_a_schema(
        tmp_path: pathlib.Path) -> None:
    answer = Reply(body=openai_completion('{"result": "ok"}', "qwen-test"))
    async with local_runtime(tmp_path, answer) as (server, stub):
        completion = (await stub.Complete(pb.CompleteRequest(
            parent="tenants/acme", role="executor", messages=[user("go")],
            response_schema=json.dumps(SCHEMA)), timeout=30)).completion

    assert completion.output == '{"result": "ok"}'
    assert server.requests[0][2]["response_format"] == {"type": "json_object",
                                                        "schema": SCHEMA}


async def test_providers_are_listed_by_name_a_page_at_a_time(tmp_path: pathlib.Path) -> None:
    answer = Reply(body=openai_completion('{"result": "ok"}', "qwen-test"))
    async with local_runtime(tmp_path, answer) as (_server, stub):
        first = await stub.ListProviders(pb.ListProvidersRequest(page_size=1), timeout=10)
        second = await stub.ListProviders(pb.ListProvidersRequest(
            page_size=1, page_token=first.next_page_token), timeout=10)
        third = await stub.ListProviders(pb.ListProvidersRequest(
            page_size=1, page_token=second.next_page_token), timeout=10)
        with pytest.raises(grpc.aio.AioRpcError) as error:
            await stub.ListProviders(pb.ListProvidersRequest(page_size=-1), timeout=10)

    assert [p.name for p in first.providers] == ["providers/local"] and first.next_page_token
    # embed_route's default routes Embed to the local embedding model, then offline.
    assert [p.name for p in second.providers] == ["providers/local-embeddings"]
    assert [p.name for p in third.providers] == ["providers/offline"]
    assert third.next_page_token == ""
    assert error.value.code() is grpc.StatusCode.INVALID_ARGUMENT


async def test_a_local_model_not_offered_tools_answers_as_if_there_were_none() -> None:
    async with WireServer(always(Reply(body=openai_completion('{"result": "hi"}')))) as server:
        provider = LocalProvider("smollm2-135m", f"{server.url}/v1", 5.0, 0, tools=False)
        try:
            answered = await provider.complete(request(tools=(WEATHER,), response_schema=SCHEMA))
        finally:
            await provider.close()

    [(_path, _headers, body)] = server.requests
    assert answered.output == '{"result": "hi"}' and answered.tool_calls == ()
    assert "tools" not in body and body["response_format"]["schema"] == SCHEMA
    assert "get_weather" not in json.dumps(body["messages"])
