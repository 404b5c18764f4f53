"""The one agent pipeline, with in-memory ports: the same steps for every role."""

from __future__ import annotations

import json
import logging
from dataclasses import dataclass, field

import pytest

from cognition.agents.v1 import agent_io_pb2
from shared.agents.base import AgentFailure, AgentType, agent_type, known_roles, register
from shared.agents.memories import ContextRecord, MemoryUse, task_memory_id
from shared.agents.pipeline import (
    AgentPipeline,
    ContextMemory,
    ModelAnswer,
    ModelRequest,
    OutputCheck,
    QualityVerdict,
    TaskMemory,
)
from shared.errors import CognitionError, Unavailable

TASK = "tenants/acme/goals/g1/tasks/draft"


@dataclass
class Fakes:
    """Memory, runtime, quality gate and result store that remember what they were asked."""

    answers: dict[str, str]
    passes: bool = True
    requests: list[ModelRequest] = field(default_factory=list)
    stored: dict[str, str] = field(default_factory=dict)
    checked: list[str] = field(default_factory=list)
    retrievals: list[tuple[str, str, str, int]] = field(default_factory=list)
    remembered: dict[str, TaskMemory] = field(default_factory=dict)  # by memory id
    remember_error: Exception | None = None
    retrieve_error: CognitionError | None = None

    async def retrieve(self, tenant: str, query: str, *, agent: str,
                       token_budget: int) -> list[ContextMemory]:
        self.retrievals.append((tenant, query, agent, token_budget))
        if self.retrieve_error is not None:
            raise self.retrieve_error
        return [ContextMemory("tenants/acme/memories/m1", f"memory about {query.split()[0]}",
                              0.8312, 0.9),
                ContextMemory("tenants/acme/memories/m2", "an older result", 0.41, 0.5)]

    async def remember(self, memory: TaskMemory) -> None:
        if self.remember_error is not None:
            raise self.remember_error
        self.remembered.setdefault(memory.memory_id, memory)  # a memory id is stored once

    async def complete(self, request: ModelRequest) -> ModelAnswer:
        self.requests.append(request)
        return ModelAnswer(self.answers[request.role], "tenants/acme/completions/c1",
                           f"{request.role}/v1")

    async def check(self, output: OutputCheck) -> QualityVerdict:
        self.checked.append(output.content)
        return QualityVerdict(self.passes, () if self.passes else ("too long",), "v1",
                              "ACCEPT" if self.passes else "REJECT")

    async def store(self, task: str, result: str) -> None:
        self.stored[task] = result


def pipeline(fakes: Fakes) -> AgentPipeline:
    return AgentPipeline(fakes, fakes, fakes, fakes)


def task_input() -> agent_io_pb2.AgentInput:
    return agent_io_pb2.AgentInput(task=TASK, goal="Write release notes", title="Draft",
                                   instructions="Draft the notes")


async def test_an_executor_runs_every_step() -> None:
    fakes = Fakes({"executor": json.dumps({"result": "The notes."})})
    run = await pipeline(fakes).run(agent_type("executor"), task_input(), tenant="acme",
                                    agent_name="tenants/acme/agents/a1", attempt=2)
    assert run.result == "The notes." and fakes.stored == {TASK: "The notes."}
    assert [m.content for m in run.context] == ["memory about Draft", "an older result"]
    assert run.prompt_version == "executor/v1"
    request = fakes.requests[0]
    assert request.goal == "tenants/acme/goals/g1"
    assert request.request_id == f"{TASK}#attempt-2"  # a retried attempt is charged once
    assert "memory about Draft" in request.variables["context"]
    assert json.loads(request.response_schema)["required"] == ["result"]


async def test_a_malformed_answer_is_an_output_failure_and_nothing_is_stored() -> None:
    for answer in ("not json", json.dumps(["a list"]), json.dumps({"result": ""})):
        fakes = Fakes({"executor": answer})
        with pytest.raises(AgentFailure) as failure:
            await pipeline(fakes).run(agent_type("executor"), task_input(), tenant="acme",
                                      agent_name="a", attempt=1)
        assert failure.value.reason == "OUTPUT_INVALID"
        assert fakes.stored == {}


async def test_a_critics_fail_verdict_fails_the_task_for_good() -> None:
    fakes = Fakes({"critic": json.dumps({"verdict": "fail", "issues": ["no sources"]})})
    with pytest.raises(AgentFailure) as failure:
        await pipeline(fakes).run(agent_type("critic"), task_input(), tenant="acme",
                                  agent_name="a", attempt=1)
    assert (failure.value.reason, failure.value.retryable) == ("CRITIC_FAILED", False)
    assert agent_type("critic").failure_strategy == "escalate"


async def test_the_planner_output_is_typed() -> None:
    plan = {"tasks": [{"id": "research", "title": "Research", "agent_role": "executor"},
                      {"id": "write", "title": "Write", "agent_role": "executor",
                       "depends_on": ["research"], "critical": True}], "complexity": 3}
    fakes = Fakes({"planner": json.dumps(plan)})
    run = await pipeline(fakes).run(agent_type("planner"), task_input(), tenant="acme",
                                    agent_name="a", attempt=1)
    assert isinstance(run.output, agent_io_pb2.PlannerOutput)
    assert [t.id for t in run.output.tasks] == ["research", "write"]
    assert run.output.tasks[1].depends_on == ["research"]


async def test_a_custom_agent_is_a_small_module_and_the_quality_gate_applies() -> None:
    @register
    class HaikuAgent(AgentType):
        role = "haiku"
        output = agent_io_pb2.SummarizerOutput
        required = ("summary",)
        policy = "short"

    assert "haiku" in known_roles()
    fakes = Fakes({"haiku": json.dumps({"summary": "old pond / a frog"})}, passes=False)
    with pytest.raises(AgentFailure) as failure:
        await pipeline(fakes).run(agent_type("haiku"), task_input(), tenant="acme",
                                  agent_name="a", attempt=1)
    assert failure.value.reason == "QUALITY_REJECTED" and fakes.stored == {}
    assert fakes.checked and HaikuAgent.failure_strategy == "retry"
    assert agent_type("haiku").policy_id == "short"
    assert agent_type("executor").policy_id == "executor-output"  # the default per role


async def run_executor(fakes: Fakes, attempt: int = 1) -> None:
    await pipeline(fakes).run(agent_type("executor"), task_input(), tenant="acme",
                              agent_name="tenants/acme/agents/a1", attempt=attempt)


async def test_context_is_retrieved_for_the_agents_role_within_its_budget() -> None:
    fakes = Fakes({"executor": json.dumps({"result": "The notes."})})
    await run_executor(fakes)
    assert fakes.retrievals == [("acme", "Draft\nDraft the notes", "executor",
                                 agent_type("executor").context_tokens)]
    assert agent_type("executor").context_tokens == 1000
    context = fakes.requests[0].variables["context"]
    assert context == "- memory about Draft\n- an older result"  # best first, as before


async def test_a_task_without_a_query_is_given_no_context() -> None:
    fakes = Fakes({"executor": json.dumps({"result": "The notes."})})
    await pipeline(fakes).run(agent_type("executor"), agent_io_pb2.AgentInput(task=TASK),
                              tenant="acme", agent_name="a", attempt=1)
    assert fakes.retrievals == [] and fakes.requests[0].variables["context"] == ""


async def test_a_failure_to_retrieve_fails_the_attempt_as_any_peers_does() -> None:
    """The host decides: an unreachable memory is waited for, like the runtime or gate."""
    fakes = Fakes({"executor": json.dumps({"result": "The notes."})},
                  retrieve_error=Unavailable("memory is down", reason="PEER_UNAVAILABLE"))
    with pytest.raises(Unavailable):
        await run_executor(fakes)
    assert fakes.requests == [] and fakes.stored == {} and fakes.remembered == {}


async def test_the_result_is_remembered_once_in_the_goals_namespace() -> None:
    fakes = Fakes({"executor": json.dumps({"result": "The   notes,\nin full."})})
    await run_executor(fakes, attempt=2)
    await run_executor(fakes, attempt=2)  # the same attempt run again (a peer came back)
    [memory] = fakes.remembered.values()
    assert memory.memory_id == task_memory_id(TASK, 2) == "draft-a2-" + memory.memory_id[-12:]
    assert memory.request_id == f"remember-{memory.memory_id}"
    assert (memory.tenant, memory.namespace) == ("acme", "goals.g1")
    assert memory.namespace_title == "Write release notes"
    assert (memory.agent, memory.goal, memory.task) == ("executor", "tenants/acme/goals/g1",
                                                        TASK)
    assert memory.content == "Draft: The notes, in full."
    assert memory.importance == 0.5 and memory.tags == ("executor",)
    assert memory.metadata["attempt"] == "2"


async def test_a_long_result_is_remembered_cut_to_its_bound() -> None:
    fakes = Fakes({"executor": json.dumps({"result": "word " * 2000})})
    await run_executor(fakes)
    [memory] = fakes.remembered.values()
    assert len(memory.content) == 2000 and memory.content.endswith("…")


async def test_the_memories_a_task_used_are_recorded_with_its_memory() -> None:
    fakes = Fakes({"executor": json.dumps({"result": "The notes."})})
    await run_executor(fakes)
    [memory] = fakes.remembered.values()
    assert ContextRecord.of(memory.metadata, "acme") == ContextRecord((
        MemoryUse("tenants/acme/memories/m1", 0.831, 0.9),
        MemoryUse("tenants/acme/memories/m2", 0.41, 0.5)))


@pytest.mark.parametrize("error", [Unavailable("memory is down", reason="PEER_UNAVAILABLE"),
                                   RuntimeError("a bug")])
async def test_a_failure_to_remember_does_not_fail_the_task(
        error: Exception, caplog: pytest.LogCaptureFixture) -> None:
    fakes = Fakes({"executor": json.dumps({"result": "The notes."})}, remember_error=error)
    with caplog.at_level(logging.WARNING, "shared.agents.pipeline"):
        run = await pipeline(fakes).run(agent_type("executor"), task_input(), tenant="acme",
                                        agent_name="a", attempt=1)
    assert run.result == "The notes." and fakes.stored == {TASK: "The notes."}
    assert "not remembered in goals.g1" in caplog.text


async def test_nothing_is_remembered_of_a_rejected_output() -> None:
    fakes = Fakes({"executor": json.dumps({"result": "The notes."})}, passes=False)
    with pytest.raises(AgentFailure):
        await run_executor(fakes)
    assert fakes.remembered == {}
