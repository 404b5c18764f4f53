"""``AgentPipeline``: the one pipeline every agent runs.

gather context (memory) -> build the prompt and call the model (AI runtime, which renders the
versioned prompt) -> parse the answer into the role's output message -> check it in the quality
gate -> store the result. Each collaborator is a port (a Protocol) so the pipeline is the same
whether the ports are gRPC clients of the mesh or in-memory fakes.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Protocol

from google.protobuf.message import Message

from cognition.agents.v1 import agent_io_pb2
from shared.agents.base import AgentFailure, AgentType


@dataclass(frozen=True)
class ModelRequest:
    """One model call on behalf of an agent."""

    tenant: str
    role: str
    variables: Mapping[str, str]
    response_schema: str
    goal: str
    agent: str
    # Makes a retried attempt idempotent: the runtime answers (and charges) it once.
    request_id: str


@dataclass(frozen=True)
class ModelAnswer:
    """What the AI runtime answered."""

    text: str
    completion: str  # the completion's resource name
    prompt_version: str = ""


@dataclass(frozen=True)
class QualityVerdict:
    """The quality gate's judgement of an output."""

    passed: bool
    findings: Sequence[str] = ()
    validation: str = ""  # the validation's resource name; empty when there was no policy


class ContextSource(Protocol):
    """Memory: what is known that may help with a task."""

    async def search(self, tenant: str, query: str, limit: int) -> list[str]: ...


class ModelGateway(Protocol):
    """The AI runtime."""

    async def complete(self, request: ModelRequest) -> ModelAnswer: ...


class QualityGate(Protocol):
    """The AI quality gate: ``policy`` is the id of one of the tenant's policies; a tenant
    without it gets a pass that names no validation."""

    async def check(self, tenant: str, policy: str, content: str,
                    subject: str) -> QualityVerdict: ...


class ResultStore(Protocol):
    """Where a task's result goes (the task-planner)."""

    async def store(self, task: str, result: str) -> None: ...


@dataclass(frozen=True)
class AgentRun:
    """The outcome of one successful attempt."""

    output: Message
    result: str
    completion: str
    prompt_version: str
    context: list[str] = field(default_factory=list)
    validation: str = ""


class AgentPipeline:
    """Runs any agent type on a task.

    Args:
        memory: Context source.
        models: The AI runtime.
        quality: The quality gate.
        results: Where results are stored.
        context_limit: Most memories put in a prompt.
    """

    def __init__(self, memory: ContextSource, models: ModelGateway, quality: QualityGate,
                 results: ResultStore, context_limit: int = 5) -> None:
        self._memory = memory
        self._models = models
        self._quality = quality
        self._results = results
        self._context_limit = context_limit

    async def run(self, agent: AgentType, task: agent_io_pb2.AgentInput, *, tenant: str,
                  agent_name: str, attempt: int) -> AgentRun:
        """One attempt of ``agent`` at ``task``.

        Raises:
            AgentFailure: The answer was malformed, rejected by the quality gate, or reported
                a failure itself; the task's failure strategy decides what happens next.
        """
        context = await self._memory.search(tenant, agent.context_query(task),
                                            self._context_limit)
        prompt_input = agent_io_pb2.AgentInput()
        prompt_input.CopyFrom(task)
        prompt_input.context[:] = context
        answer = await self._models.complete(ModelRequest(
            tenant=tenant, role=agent.role, variables=agent.variables(prompt_input),
            response_schema=agent.response_schema(), goal=_goal_of(task.task),
            agent=agent_name, request_id=f"{task.task}#attempt-{attempt}"))
        output = agent.parse(answer.text)
        agent.accept(output)
        result = agent.result_text(output)
        verdict = await self._quality.check(tenant, agent.policy_id, result, task.task)
        if not verdict.passed:
            raise AgentFailure("QUALITY_REJECTED",
                               "; ".join(verdict.findings) or "rejected by the quality gate")
        await self._results.store(task.task, result)
        return AgentRun(output=output, result=result, completion=answer.completion,
                        prompt_version=answer.prompt_version, context=context,
                        validation=verdict.validation)


def _goal_of(task_name: str) -> str:
    """``tenants/t/goals/g/tasks/x`` -> ``tenants/t/goals/g``."""
    return "/".join(task_name.split("/")[:4])
