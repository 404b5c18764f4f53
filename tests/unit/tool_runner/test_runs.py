"""Runs of tools: the registry's built-ins, permissions, input checks, timeouts, cancellation
and watching, over the real repository with executors that are plain functions."""

from __future__ import annotations

import asyncio
import dataclasses
import datetime as dt
import json

import pytest

from services.tool_runner.core.builtins import Builtins
from services.tool_runner.core.builtins.calculator import Calculator
from services.tool_runner.core.builtins.json_query import JsonQuery
from services.tool_runner.core.execution import ToolCall, ToolResult
from services.tool_runner.core.models import Tool, ToolRunState, ToolRuntime
from services.tool_runner.core.runs import RunRequest, ToolRuns
from services.tool_runner.core.tools import ToolService
from services.tool_runner.repository import tool_repository, tool_run_repository
from shared import context
from shared.database import DatabaseConnection, PageRequest
from shared.errors import FailedPrecondition, InvalidArgument, NotFound, PermissionDenied


class Sleepy:
    """An executor that writes, then sleeps for the input's seconds unless cancelled."""

    async def execute(self, call: ToolCall) -> ToolResult:
        await call.on_output("started\n")
        try:
            await asyncio.wait_for(call.cancelled.wait(), call.input.get("seconds", 0))
            return ToolResult(ToolRunState.CANCELLED, error_message="cancelled")
        except TimeoutError:
            return ToolResult(ToolRunState.SUCCEEDED, output="slept")


class Deaf:
    """An executor that never stops by itself."""

    async def execute(self, call: ToolCall) -> ToolResult:
        await asyncio.sleep(3600)
        raise AssertionError("unreachable")


def registry(db: DatabaseConnection) -> tuple[ToolService, ToolRuns]:
    builtins = Builtins({"calculator": Calculator(), "json_query": JsonQuery()})
    tools = ToolService(tool_repository(db), builtins.specs)
    runs = ToolRuns(tool_run_repository(db), tools,
                    {ToolRuntime.BUILTIN: builtins, ToolRuntime.PYTHON: Sleepy(),
                     ToolRuntime.SHELL: Deaf()}, dt.timedelta(seconds=5))
    return tools, runs


def code_tool(tool_id: str = "nap", **fields: object) -> Tool:
    values: dict[str, object] = {"display_name": "Nap", "runtime": ToolRuntime.PYTHON,
                                 "entrypoint": "pass", **fields}
    return Tool(tenant="acme", id=tool_id, **values)  # type: ignore[arg-type]


def as_user(*scopes: str) -> context.CallContext:
    return context.CallContext(tenant="acme", subject="tenants/acme/users/u1",
                               scopes=frozenset({"tools.run", *scopes}), token="t")


async def test_every_tenant_has_the_builtins_and_cannot_delete_them(
        db: DatabaseConnection) -> None:
    tools, _ = registry(db)
    listed = await tools.list("acme", PageRequest.of(0, ""))
    assert {t.id for t in listed.items} == {"calculator", "json_query"}
    calculator = await tools.get("other", "calculator")
    assert calculator.runtime is ToolRuntime.BUILTIN
    assert json.loads(calculator.input_schema)["required"] == ["expression"]
    with pytest.raises(FailedPrecondition):
        await tools.delete("acme", "calculator")
    with pytest.raises(FailedPrecondition):
        await tools.update("acme", "calculator", {"entrypoint": "json_query"})
    tuned = await tools.update("acme", "calculator", {"agent_types": ["executor"]})
    assert tuned.agent_types == ["executor"]
    with pytest.raises(InvalidArgument) as made:
        await tools.create(dataclasses.replace(code_tool(), runtime=ToolRuntime.BUILTIN))
    assert made.value.violations[0].field == "tool.runtime"


async def test_a_builtin_runs_to_its_answer_and_the_run_is_kept(db: DatabaseConnection) -> None:
    _, runs = registry(db)
    run = await runs.start(RunRequest("acme", "calculator", '{"expression": "2 ** 10 + 1"}',
                                      task="tenants/acme/goals/g/tasks/t", wait=True))
    assert run.state is ToolRunState.SUCCEEDED and json.loads(run.output) == {"value": 1025}
    assert (await runs.get("acme", run.id)) == run
    failed = await runs.start(RunRequest("acme", "calculator", '{"expression": "1/0"}',
                                         wait=True))
    assert failed.state is ToolRunState.FAILED and failed.error_message == "division by zero"
    queried = await runs.start(RunRequest(
        "acme", "json_query", json.dumps({"document": {"a": [{"n": 1}, {"n": 5}]},
                                          "query": "a[?n > `2`].n"}), wait=True))
    assert json.loads(queried.output) == {"result": [5]}


@pytest.mark.parametrize(("text", "described"), [
    ("{not json", "not valid JSON"),
    ('{"expression": 7}', "$.expression: expected string"),
    ("{}", "$: missing required property expression"),
])
async def test_bad_input_is_invalid_argument_naming_the_field_and_nothing_runs(
        db: DatabaseConnection, text: str, described: str) -> None:
    _, runs = registry(db)
    with pytest.raises(InvalidArgument) as bad:
        await runs.start(RunRequest("acme", "calculator", text))
    assert bad.value.violations[0].field == "input"
    assert described.split(":")[0] in bad.value.violations[0].description
    assert (await runs.list("acme", PageRequest.of(0, ""))).items == []


async def test_a_tool_without_permission_never_runs(db: DatabaseConnection) -> None:
    tools, runs = registry(db)
    await tools.create(code_tool(required_scopes=["tools.python"], agent_types=["executor"]))
    with context.bind(as_user()), pytest.raises(PermissionDenied) as denied:
        await runs.start(RunRequest("acme", "nap", "{}"))
    assert denied.value.reason == "SCOPES_NOT_HELD"
    service = context.CallContext(tenant="acme", subject="services/agent-orchestrator")
    with context.bind(service), pytest.raises(PermissionDenied) as wrong_type:
        await runs.start(RunRequest("acme", "nap", "{}", agent_type="critic"))
    assert wrong_type.value.reason == "TOOL_NOT_ALLOWED_FOR_AGENT"
    with context.bind(as_user("tools.python")), pytest.raises(PermissionDenied):
        await runs.start(RunRequest("acme", "nap", "{}", agent_type="executor"))
    assert (await runs.list("acme", PageRequest.of(0, ""))).items == []
    with context.bind(as_user("tools.python")):
        allowed = await runs.start(RunRequest("acme", "nap", "{}", wait=True))
    assert allowed.state is ToolRunState.SUCCEEDED and allowed.creator == "tenants/acme/users/u1"
    with context.bind(service):
        by_agent = await runs.start(RunRequest("acme", "nap", "{}", agent_type="executor",
                                               wait=True))
    assert by_agent.state is ToolRunState.SUCCEEDED and by_agent.agent_type == "executor"


async def test_an_unknown_tool_is_not_found(db: DatabaseConnection) -> None:
    _, runs = registry(db)
    with pytest.raises(NotFound):
        await runs.start(RunRequest("acme", "nope", "{}"))


async def test_a_run_is_watched_cancelled_and_then_cannot_be_cancelled_again(
        db: DatabaseConnection) -> None:
    tools, runs = registry(db)
    await tools.create(code_tool())
    run = await runs.start(RunRequest("acme", "nap", '{"seconds": 30}'))
    assert run.state is ToolRunState.QUEUED
    events = runs.watch("acme", run.id)
    seen = [await anext(events)]
    while not any(e.type == "tool_run.output" for e in seen):
        seen.append(await anext(events))
    cancelled = await runs.cancel("acme", run.id)
    assert cancelled.state is ToolRunState.CANCELLED
    seen += [event async for event in events]
    assert seen[-1].type == "tool_run.ended" and seen[-1].run.state is ToolRunState.CANCELLED
    assert "started\n" in [e.output_chunk for e in seen]
    with pytest.raises(FailedPrecondition):
        await runs.cancel("acme", run.id)
    ended = [event async for event in runs.watch("acme", run.id)]
    assert [e.type for e in ended] == ["tool_run.ended"]


async def test_an_executor_that_ignores_its_timeout_is_stopped(db: DatabaseConnection) -> None:
    tools, runs = registry(db)
    await tools.create(code_tool("hang", runtime=ToolRuntime.SHELL,
                                 timeout=dt.timedelta(milliseconds=200)))
    run = await runs.start(RunRequest("acme", "hang", "{}", wait=True))
    assert run.state is ToolRunState.TIMED_OUT
    assert "wall time limit" in run.error_message


async def test_runs_left_unfinished_by_a_stopped_process_are_failed(
        db: DatabaseConnection) -> None:
    tools, runs = registry(db)
    await tools.create(code_tool())
    table = tool_run_repository(db)
    stale = await table.create(dataclasses.replace(
        (await runs.start(RunRequest("acme", "nap", "{}", wait=True))), id="stale",
        state=ToolRunState.RUNNING))
    assert await table.unfinished(dt.timedelta(seconds=3600)) == []
    left = await table.unfinished(dt.timedelta(0))
    assert [r.id for r in left] == ["stale"]
    await runs.abandon(left)
    ended = await runs.get("acme", stale.id)
    assert ended.state is ToolRunState.FAILED and "stopped" in ended.error_message
