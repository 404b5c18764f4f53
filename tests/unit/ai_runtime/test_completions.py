"""CompletionService with fake providers over a real, migrated SQLite database: fallback,
refusals, replay and recording, budgets, idempotent charging and prompt experiments."""

from __future__ import annotations

import asyncio
import collections
import json
import pathlib
from collections.abc import AsyncIterator, Sequence

import pytest

from services.ai_runtime.config import DEFAULT_PROMPTS_DIR
from services.ai_runtime.convert import COMPLETION_FILTER
from services.ai_runtime.core.completions import CompletionRequest, CompletionService
from services.ai_runtime.core.experiments import assign_variant
from services.ai_runtime.core.models import (
    AttemptOutcome,
    ChatMessage,
    Embeddings,
    Experiment,
    MessageRole,
    UsageGroupBy,
    Variant,
)
from services.ai_runtime.core.pricing import Budgets, ModelPrice, PriceTable
from services.ai_runtime.core.prompts import PromptLibrary, render
from services.ai_runtime.core.providers.base import (
    FailureKind,
    Provider,
    ProviderError,
    ProviderRequest,
    ProviderResponse,
    StreamChunk,
    ToolCall,
    ToolDefinition,
)
from services.ai_runtime.core.providers.offline import OfflineProvider
from services.ai_runtime.core.providers.replay import CassetteRecorder, ReplayProvider
from services.ai_runtime.core.router import ProviderRouter
from services.ai_runtime.repository import (
    UsageRepository,
    completion_repository,
    experiment_repository,
)
from shared.database import DatabaseConnection
from shared.errors import FailedPrecondition, InvalidArgument, ResourceExhausted, Unavailable


class FakeProvider:
    """Answers ``output`` after ``delay`` seconds, or fails with ``error``."""

    def __init__(self, name: str, output: str = '{"result": "fake"}', delay: float = 0.0,
                 error: ProviderError | None = None) -> None:
        self.name = name
        self.model = f"{name}-model"
        self.calls = 0
        self._output, self._delay, self._error = output, delay, error

    async def complete(self, request: ProviderRequest) -> ProviderResponse:
        self.calls += 1
        await asyncio.sleep(self._delay)
        if self._error is not None:
            raise self._error
        return ProviderResponse(self._output, self.model, 100, 50)

    async def stream(self, request: ProviderRequest) -> AsyncIterator[StreamChunk]:
        response = await self.complete(request)
        yield StreamChunk(delta=response.output)
        yield StreamChunk(response=response)

    async def embed(self, texts: Sequence[str]) -> Embeddings:
        raise ProviderError(FailureKind.UNSUPPORTED, "no")

    async def close(self) -> None:
        return None


def make_service(db: DatabaseConnection, chain: Sequence[Provider], *,
                 budget: int = 0, timeout: float = 5.0,
                 recorder: CassetteRecorder | None = None) -> CompletionService:
    providers = {p.name: p for p in chain}
    router = ProviderRouter(providers, {}, [p.name for p in chain], [chain[0].name], timeout)
    prices = PriceTable({f"{p.name}/{p.model}": ModelPrice(1000, 2000) for p in chain})
    return CompletionService(completion_repository(db), UsageRepository(db),
                             experiment_repository(db), router, PromptLibrary(DEFAULT_PROMPTS_DIR),
                             prices, Budgets(default=budget), recorder)


def ask(text: str = "Do the task", role: str = "executor", **fields: object
        ) -> CompletionRequest:
    return CompletionRequest(tenant="acme", role=role,
                             messages=[ChatMessage(MessageRole.USER, text)],
                             **fields)  # type: ignore[arg-type]


async def test_falls_back_when_the_first_provider_times_out(db: DatabaseConnection) -> None:
    slow, fast = FakeProvider("slow", delay=5), FakeProvider("fast")
    service = make_service(db, [slow, fast], timeout=0.05)

    completion = await service.complete(ask())

    assert completion.provider == "fast"
    assert [(a.provider, a.outcome) for a in completion.attempts] == [
        ("slow", AttemptOutcome.TIMED_OUT), ("fast", AttemptOutcome.SUCCEEDED)]
    assert completion.attempts[0].latency_seconds >= 0.05
    assert (await service.get("acme", completion.id)).attempts == completion.attempts


async def test_falls_back_on_rate_limits_and_server_errors_in_streams_too(
        db: DatabaseConnection) -> None:
    limited = FakeProvider("limited", error=ProviderError(FailureKind.RATE_LIMITED, "429", 429))
    broken = FakeProvider("broken", error=ProviderError(FailureKind.UNAVAILABLE, "503", 503))
    service = make_service(db, [limited, broken, OfflineProvider()])

    items = [item async for item in service.stream(ask())]

    completion = items[-1]
    assert not isinstance(completion, str)
    assert [(a.provider, a.outcome, a.reason) for a in completion.attempts] == [
        ("limited", AttemptOutcome.RATE_LIMITED, "429"),
        ("broken", AttemptOutcome.FAILED, "503"), ("offline", AttemptOutcome.SUCCEEDED, "")]
    assert "".join(i for i in items if isinstance(i, str)) == completion.output


async def test_a_refused_request_fails_without_fallback(db: DatabaseConnection) -> None:
    refusing = FakeProvider("refusing", error=ProviderError(FailureKind.REJECTED, "bad", 400))
    spare = FakeProvider("spare")
    service = make_service(db, [refusing, spare])

    with pytest.raises(FailedPrecondition) as error:
        await service.complete(ask())
    assert error.value.reason == "PROVIDER_REJECTED_REQUEST"
    assert spare.calls == 0


async def test_every_provider_failing_is_unavailable(db: DatabaseConnection) -> None:
    down = FakeProvider("down", error=ProviderError(FailureKind.UNAVAILABLE, "503", 503))
    with pytest.raises(Unavailable):
        await make_service(db, [down]).complete(ask())


async def test_output_not_matching_the_schema_is_refused(db: DatabaseConnection) -> None:
    service = make_service(db, [FakeProvider("fake", output="not json")])
    with pytest.raises(FailedPrecondition) as error:
        await service.complete(ask(response_schema='{"type": "object"}'))
    assert error.value.reason == "OUTPUT_SCHEMA_MISMATCH"
    with pytest.raises(InvalidArgument):
        await service.complete(ask(role="nobody"))


async def test_budget_is_checked_before_calling_and_nothing_is_charged(
        db: DatabaseConnection) -> None:
    fake = FakeProvider("fake")  # 100 in, 50 out: 200 micro-dollars per call
    service = make_service(db, [fake], budget=1000)
    await service.complete(ask(max_output_tokens=10))

    # 200 spent; 1000 output tokens at 2000 per 1k would cost at least 2000 more.
    with pytest.raises(ResourceExhausted) as error:
        await service.complete(ask(max_output_tokens=1000))
    assert error.value.reason == "BUDGET_EXHAUSTED"
    assert fake.calls == 1
    spent = make_service(db, [fake], budget=200)
    with pytest.raises(ResourceExhausted):  # the budget is spent: even a tiny call is refused
        await spent.complete(ask(max_output_tokens=1))
    assert fake.calls == 1
    [row] = await service.usage("acme", UsageGroupBy.NONE, None, None)
    assert (row.usage.cost_micros, row.completion_count) == (200, 1)


async def test_concurrent_calls_with_one_request_id_are_charged_once(
        db: DatabaseConnection) -> None:
    service = make_service(db, [FakeProvider("fake", delay=0.05)])

    results = await asyncio.gather(*(service.complete(ask(request_id="same"))
                                     for _ in range(3)))

    assert len({c.id for c in results}) == 1
    [row] = await service.usage("acme", UsageGroupBy.NONE, None, None)
    assert (row.usage.cost_micros, row.completion_count) == (200, 1)


async def test_replay_answers_from_a_recorded_cassette(db: DatabaseConnection,
                                                       tmp_path: pathlib.Path) -> None:
    cassette = tmp_path / "cassette.jsonl"
    recorded = await make_service(db, [FakeProvider("live", output='{"result": "42"}')],
                                  recorder=CassetteRecorder(cassette)).complete(ask("Answer"))
    replaying = make_service(db, [ReplayProvider(cassette)])

    replayed = await replaying.complete(ask("Answer"))

    assert (replayed.output, replayed.provider, replayed.model) == (
        recorded.output, "replay", "live-model")
    assert (replayed.input_tokens, replayed.output_tokens) == (100, 50)
    assert len(cassette.read_text().splitlines()) == 1
    with pytest.raises(FailedPrecondition) as error:
        await replaying.complete(ask("Never asked"))
    assert error.value.reason == "CASSETTE_KEY_NOT_FOUND"
    assert error.value.metadata["key"] in error.value.message


def test_prompt_versions_are_read_newest_first(tmp_path: pathlib.Path) -> None:
    for version, text in (("v1", "one {{task}}"), ("v2", "two {{goal}} / {{context}}"),
                          ("v10", "ten")):
        (tmp_path / "executor").mkdir(exist_ok=True)
        (tmp_path / "executor" / f"{version}.md").write_text(text)
    library = PromptLibrary(tmp_path, {"executor": "v2"})

    assert [v.version for v in library.versions("executor")] == ["v10", "v2", "v1"]
    assert library.default_for("executor").id == "executor/v2"
    assert PromptLibrary(tmp_path).default_for("executor").id == "executor/v10"
    rendered = render(library.get("executor/v2").template,
                      [ChatMessage(MessageRole.SYSTEM, "ctx"), ChatMessage(MessageRole.USER, "G"),
                       ChatMessage(MessageRole.USER, "T")])
    assert [m.content for m in rendered] == ["two G / ctx", "G", "T"]


def test_variant_assignment_is_sticky_and_weighted() -> None:
    experiment = Experiment(tenant="acme", id="e1", display_name="x", role="executor",
                            variants=[Variant("control", "executor/v1", 75),
                                      Variant("candidate", "executor/v2", 25)])
    goals = [f"tenants/acme/goals/g{i}" for i in range(4000)]

    first = [assign_variant(experiment, g).name for g in goals]
    counts = collections.Counter(first)

    assert first == [assign_variant(experiment, g).name for g in goals]
    assert 0.71 < counts["control"] / len(goals) < 0.79


async def test_a_running_experiment_chooses_the_prompt_and_is_recorded(
        db: DatabaseConnection, tmp_path: pathlib.Path) -> None:
    for version in ("v1", "v2"):
        (tmp_path / "executor").mkdir(exist_ok=True)
        (tmp_path / "executor" / f"{version}.md").write_text(f"{version}: {{{{task}}}}")
    await experiment_repository(db).create(Experiment(
        tenant="acme", id="terse", display_name="Terse", role="executor",
        variants=[Variant("control", "executor/v1", 1), Variant("terse", "executor/v2", 1)]))
    service = make_service(db, [OfflineProvider()])
    service.prompts = PromptLibrary(tmp_path)

    made = [await service.complete(ask(goal=f"tenants/acme/goals/g{i}")) for i in range(12)]
    again = await service.complete(ask(goal="tenants/acme/goals/g0"))

    assert {c.variant for c in made} == {"control", "terse"}
    assert all(c.experiment == "tenants/acme/experiments/terse" for c in made)
    assert all(c.prompt_version == {"control": "executor/v1", "terse": "executor/v2"}[c.variant]
               for c in made)
    assert all(c.messages[0].content.startswith(c.prompt_version.split("/")[1]) for c in made)
    assert again.variant == made[0].variant
    rows = await service.usage("acme", UsageGroupBy.VARIANT, None, None)
    assert {r.key for r in rows} == {"tenants/acme/experiments/terse/variants/control",
                                     "tenants/acme/experiments/terse/variants/terse"}
    assert sum(r.completion_count for r in rows) == 13
    assert json.loads(again.output)["result"]


def test_completion_filters_take_quoted_values_of_the_listed_fields() -> None:
    parsed = COMPLETION_FILTER.parse('role = "critic" AND goal = "tenants/a/goals/g\\"1"')
    assert {t.field: t.value for t in parsed.terms} == {
        "role": "critic", "goal": 'tenants/a/goals/g"1'}
    for bad in ('colour = "red"', "role = CRITIC", 'role = "a" AND role = "b"'):
        with pytest.raises(InvalidArgument) as refused:
            COMPLETION_FILTER.parse(bad)
        assert [v.field for v in refused.value.violations] == ["filter"]


class ScriptedProvider(FakeProvider):
    """Answers its ``outputs`` in turn (100 tokens in, 50 out each); keeps every request."""

    def __init__(self, *outputs: str) -> None:
        super().__init__("scripted")
        self.outputs = list(outputs)
        self.requests: list[ProviderRequest] = []

    async def complete(self, request: ProviderRequest) -> ProviderResponse:
        self.calls += 1
        self.requests.append(request)
        return ProviderResponse(self.outputs.pop(0), self.model, 100, 50)


RESULT_SCHEMA = ('{"type": "object", "properties": {"result": {"type": "string"}}, '
                 '"required": ["result"]}')


async def test_an_answer_not_matching_the_schema_is_asked_for_again_with_what_was_wrong(
        db: DatabaseConnection, tmp_path: pathlib.Path) -> None:
    provider = ScriptedProvider("Sure! Here it is", '{"result": "done"}')
    cassette = tmp_path / "cassette.jsonl"
    service = make_service(db, [provider], recorder=CassetteRecorder(cassette))

    completion = await service.complete(ask(response_schema=RESULT_SCHEMA))

    assert completion.output == '{"result": "done"}'
    first, second = provider.requests
    assert list(second.messages[:-2]) == list(first.messages)
    answer, told = second.messages[-2:]
    assert answer == ChatMessage(MessageRole.ASSISTANT, "Sure! Here it is")
    assert told.role is MessageRole.USER
    assert "- the output is not JSON" in told.content
    assert json.loads(told.content.splitlines()[-1]) == json.loads(RESULT_SCHEMA)
    assert completion.messages == list(second.messages)
    assert [(a.provider, a.outcome, a.reason) for a in completion.attempts] == [
        ("scripted", AttemptOutcome.FAILED,
         "output does not match response_schema: the output is not JSON"),
        ("scripted", AttemptOutcome.SUCCEEDED, "")]
    # Both calls are charged to the one completion: 200 micro-dollars each.
    assert (completion.input_tokens, completion.output_tokens, completion.cost_micros) == (
        200, 100, 400)
    [row] = await service.usage("acme", UsageGroupBy.NONE, None, None)
    assert (row.usage.cost_micros, row.completion_count) == (400, 1)
    assert (await service.get("acme", completion.id)).attempts == completion.attempts
    # Replaying the conversation first asked gives the answer that fits at once.
    replayed = await make_service(db, [ReplayProvider(cassette)]).complete(
        ask(response_schema=RESULT_SCHEMA))
    assert replayed.output == '{"result": "done"}'


async def test_the_model_is_told_which_parts_of_its_json_do_not_match(
        db: DatabaseConnection) -> None:
    provider = ScriptedProvider('{"result": 42}', '{"result": "42"}')

    completion = await make_service(db, [provider]).complete(
        ask(response_schema=RESULT_SCHEMA))

    told = provider.requests[1].messages[-1].content
    assert "$.result: expected string" in told
    assert completion.attempts[0].reason == (
        "output does not match response_schema: $.result: expected string")


async def test_a_second_answer_not_matching_fails_the_call_and_records_nothing(
        db: DatabaseConnection) -> None:
    provider = ScriptedProvider('{"answer": 1}', '{"answer": 2}')
    service = make_service(db, [provider])

    with pytest.raises(FailedPrecondition) as error:
        await service.complete(ask(response_schema=RESULT_SCHEMA))

    assert error.value.reason == "OUTPUT_SCHEMA_MISMATCH"
    assert error.value.message.startswith(
        "the model's output does not match response_schema: ")
    assert provider.calls == 2
    assert await service.usage("acme", UsageGroupBy.NONE, None, None) == []


async def test_the_second_call_must_fit_the_budget_with_the_first(
        db: DatabaseConnection, tmp_path: pathlib.Path) -> None:
    provider = ScriptedProvider("not json", '{"result": "ok"}')  # 200 micro-dollars a call
    service = make_service(db, [provider], budget=210)
    (tmp_path / "executor").mkdir()
    (tmp_path / "executor" / "v1.md").write_text("{{task}}")  # a first call of a few micros
    service.prompts = PromptLibrary(tmp_path)

    with pytest.raises(ResourceExhausted):
        await service.complete(ask(response_schema=RESULT_SCHEMA, max_output_tokens=1))
    assert provider.calls == 1


async def test_a_stream_whose_answer_does_not_match_is_not_asked_again(
        db: DatabaseConnection) -> None:
    provider = FakeProvider("fake", output="not json")

    with pytest.raises(FailedPrecondition) as error:
        _ = [item async for item in make_service(db, [provider]).stream(
            ask(response_schema=RESULT_SCHEMA))]

    assert error.value.reason == "OUTPUT_SCHEMA_MISMATCH"
    assert provider.calls == 1  # its deltas were sent already


async def test_a_cassette_keeps_the_tool_calls_of_an_answer(tmp_path: pathlib.Path) -> None:
    cassette = tmp_path / "cassette.jsonl"
    request = ProviderRequest("executor", "executor/v1", [ChatMessage(MessageRole.USER, "hi")],
                              16, tools=(ToolDefinition("lookup", "Looks up.", {}),))
    answer = ProviderResponse("", "live-model", 3, 4,
                              (ToolCall("call_1", "lookup", '{"word": "x"}'),))
    CassetteRecorder(cassette).record(request, answer)

    assert await ReplayProvider(cassette).complete(request) == answer
