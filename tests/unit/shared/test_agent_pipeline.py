"""The one agent pipeline, with in-memory ports: the same steps for every role."""

from __future__ import annotations

import json
from dataclasses import dataclass, field

import pytest

from cognition.agents.v1 import agent_io_pb2
from shared.agents.base import AgentFailure, AgentType, agent_type, known_roles, register
from shared.agents.pipeline import AgentPipeline, ModelAnswer, ModelRequest, QualityVerdict

TASK = "tenants/acme/goals/g1/tasks/draft"


@dataclass
class Fakes:
    """Memory, runtime, quality gate and result store that remember what they were asked."""

    answers: dict[str, str]
    passes: bool = True
    requests: list[ModelRequest] = field(default_factory=list)
    stored: dict[str, str] = field(default_factory=dict)
    checked: list[str] = field(default_factory=list)

    async def search(self, tenant: str, query: str, limit: int) -> list[str]:
        return [f"memory about {query.split()[0]}"][:limit]

    async def complete(self, request: ModelRequest) -> ModelAnswer:
        self.requests.append(request)
        return ModelAnswer(self.answers[request.role], "tenants/acme/completions/c1",
                           f"{request.role}/v1")

    async def check(self, tenant: str, policy: str, content: str,
                    subject: str) -> QualityVerdict:
        self.checked.append(content)
        return QualityVerdict(self.passes, () if self.passes else ("too long",), "v1")

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
    assert run.context == ["memory about Draft"] and run.prompt_version == "executor/v1"
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
