"""The agent pipeline's tool calls and the quality gate's repair rounds, with in-memory ports."""

from __future__ import annotations

import json
from dataclasses import dataclass, field

import pytest

from cognition.agents.v1 import agent_io_pb2
from shared.agents.base import AgentFailure, agent_type
from shared.agents.pipeline import (
    MAX_TOOL_STEPS,
    AgentPipeline,
    ContextMemory,
    ModelAnswer,
    ModelRequest,
    OutputCheck,
    QualityVerdict,
    TaskMemory,
    ToolRunRecord,
    ToolSpec,
    ToolUse,
)

TASK = "tenants/acme/goals/g1/tasks/fib"
PYTHON = ToolSpec("execute_python", "Runs Python", '{"type": "object"}')


@dataclass
class Scripted:
    """A model that answers from a script, tools that answer from a table, and a gate whose
    verdicts are queued."""

    answers: list[ModelAnswer]
    verdicts: list[QualityVerdict] = field(default_factory=list)
    offered_tools: list[ToolSpec] = field(default_factory=lambda: [PYTHON])
    requests: list[ModelRequest] = field(default_factory=list)
    runs: list[tuple[str, str, str]] = field(default_factory=list)
    checks: list[OutputCheck] = field(default_factory=list)
    stored: dict[str, str] = field(default_factory=dict)

    async def retrieve(self, tenant: str, query: str, *, agent: str,
                       token_budget: int) -> list[ContextMemory]:
        return []

    async def remember(self, memory: TaskMemory) -> None:
        return None

    async def complete(self, request: ModelRequest) -> ModelAnswer:
        self.requests.append(request)
        return self.answers.pop(0)

    async def offered(self, tenant: str, agent_type: str) -> list[ToolSpec]:
        return self.offered_tools

    async def run(self, tenant: str, call: ToolUse, *, agent_type: str, agent: str,
                  task: str) -> ToolRunRecord:
        self.runs.append((call.name, call.arguments, agent_type))
        if call.name != "execute_python":
            return ToolRunRecord(call.name, "", "REFUSED", "NOT_FOUND: no such tool")
        return ToolRunRecord(call.name, "tenants/acme/toolRuns/r1", "SUCCEEDED", "832040\n")

    async def check(self, output: OutputCheck) -> QualityVerdict:
        self.checks.append(output)
        return self.verdicts.pop(0) if self.verdicts else QualityVerdict(True)

    async def store(self, task: str, result: str) -> None:
        self.stored[task] = result


def answer(result: str) -> ModelAnswer:
    return ModelAnswer(json.dumps({"result": result}), "tenants/acme/completions/c", "executor/v1")


def calling(*calls: ToolUse) -> ModelAnswer:
    return ModelAnswer("", "tenants/acme/completions/c", "executor/v1", calls)


def task() -> agent_io_pb2.AgentInput:
    return agent_io_pb2.AgentInput(task=TASK, goal="Fibonacci", title="Compute",
                                   instructions="Compute the 30th Fibonacci number")


async def run(fakes: Scripted, role: str = "executor") -> object:
    return await AgentPipeline(fakes, fakes, fakes, fakes, fakes).run(
        agent_type(role), task(), tenant="acme", agent_name="tenants/acme/agents/a1", attempt=1)


async def test_the_models_tool_calls_run_and_their_results_go_back_until_it_answers() -> None:
    code = json.dumps({"code": "print(832040)"})
    fakes = Scripted([calling(ToolUse("call-1", "execute_python", code)),
                      answer("The 30th Fibonacci number is 832040.")])
    outcome = await run(fakes)
    assert fakes.runs == [("execute_python", code, "executor")]
    first, second = fakes.requests
    assert first.tools == (PYTHON,) and first.conversation == ()
    assistant, result = second.conversation
    assert assistant.tool_calls[0].id == "call-1"
    assert (result.role, result.tool_call_id, result.content) == ("tool", "call-1", "832040\n")
    assert second.request_id.endswith("#step-1")
    assert fakes.checks[0].tools_used == ("execute_python",)
    assert fakes.checks[0].known_tools == ("execute_python",)
    assert [r.run for r in outcome.tool_runs] == ["tenants/acme/toolRuns/r1"]  # type: ignore[attr-defined]
    assert fakes.stored[TASK] == "The 30th Fibonacci number is 832040."


async def test_a_refused_call_goes_back_to_the_model_as_a_failure_it_can_correct() -> None:
    fakes = Scripted([calling(ToolUse("c1", "rm_rf", "{}")), answer("done")])
    await run(fakes)
    tool_turn = fakes.requests[1].conversation[-1]
    assert "did not succeed (REFUSED)" in tool_turn.content
    assert fakes.checks[0].tools_used == ()  # a refused run is not a use


async def test_a_model_that_keeps_calling_tools_must_answer_without_them() -> None:
    loop = [calling(ToolUse(f"c{i}", "execute_python", '{"code": "1"}'))
            for i in range(MAX_TOOL_STEPS)]
    fakes = Scripted([*loop, answer("stopped")])
    await run(fakes)
    assert len(fakes.runs) == MAX_TOOL_STEPS
    assert fakes.requests[-1].tools == ()


async def test_agents_that_use_no_tools_are_offered_none() -> None:
    fakes = Scripted([ModelAnswer(json.dumps({"summary": "short"}), "c", "summarizer/v1")])
    await run(fakes, "summarizer")
    assert fakes.requests[0].tools == ()


async def test_the_gates_feedback_goes_back_for_a_repair_until_it_passes() -> None:
    fakes = Scripted([answer("I think it is about 800000."), answer("832040")],
                     verdicts=[QualityVerdict(False, ("no tool run shows the claim",), "v1",
                                              "REPAIR", "- compute it with execute_python"),
                               QualityVerdict(True, (), "v2")])
    outcome = await run(fakes)
    assert [c.round for c in fakes.checks] == [0, 1]
    repair = fakes.requests[1].conversation
    assert repair[0].content == json.dumps({"result": "I think it is about 800000."})
    assert "compute it with execute_python" in repair[1].content
    assert fakes.requests[1].request_id.endswith("#repair-1")
    assert outcome.repairs == 1 and fakes.stored[TASK] == "832040"  # type: ignore[attr-defined]


async def test_an_escalation_fails_the_task_for_good_and_a_rejection_for_a_retry() -> None:
    for action, reason, retryable in (("ESCALATE", "QUALITY_ESCALATED", False),
                                      ("REJECT", "QUALITY_REJECTED", True)):
        fakes = Scripted([answer("x")], verdicts=[QualityVerdict(False, ("bad",), "v", action)])
        with pytest.raises(AgentFailure) as failure:
            await run(fakes)
        assert (failure.value.reason, failure.value.retryable) == (reason, retryable)
        assert fakes.stored == {}


async def test_the_gates_redacted_output_is_what_is_stored() -> None:
    fakes = Scripted([answer("mail me at a@b.example")],
                     verdicts=[QualityVerdict(True, (), "v",
                                              redacted="mail me at [REDACTED:email]")])
    await run(fakes)
    assert fakes.stored[TASK] == "mail me at [REDACTED:email]"


def test_the_gate_gets_an_output_schema_only_for_results_that_are_the_output_as_json() -> None:
    assert json.loads(agent_type("planner").result_schema())["type"] == "object"
    for role in ("executor", "critic", "summarizer"):  # results written as text of their own
        assert agent_type(role).result_schema() == ""


async def test_after_two_failed_calls_in_a_row_the_model_must_answer_without_tools() -> None:
    bad = [calling(ToolUse(f"c{i}", "rm_rf", "{}")) for i in range(2)]
    fakes = Scripted([*bad, answer("gave up on tools")])
    await run(fakes)
    assert len(fakes.runs) == 2
    assert [bool(r.tools) for r in fakes.requests] == [True, True, False]
    assert fakes.stored[TASK] == "gave up on tools"
