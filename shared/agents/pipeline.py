"""``AgentPipeline``: the one pipeline every agent runs.

gather context (memory, within the agent type's token budget and its grants) -> build the
prompt and call the model (AI runtime, which renders the versioned prompt) -> parse the answer
into the role's output message -> check it in the quality gate -> store the result -> remember
it in the goal's memory (best effort). Each collaborator is a port (a Protocol) so the pipeline
is the same whether the ports are gRPC clients of the mesh or in-memory fakes.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Protocol

from google.protobuf.message import Message

from cognition.agents.v1 import agent_io_pb2
from shared.agents.base import AgentFailure, AgentType
from shared.agents.memories import (
    ATTEMPT_KEY,
    MemoryUse,
    context_metadata,
    goal_namespace,
    task_memory_id,
)
from shared.errors import CognitionError

log = logging.getLogger(__name__)

# A task's memory: its title and result, cut to this many characters (about 500 tokens, so a
# context budget of 1,000 tokens holds at least two), and how much it matters.
MEMORY_CHARS = 2000
MEMORY_IMPORTANCE = 0.5


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


@dataclass(frozen=True)
class ContextMemory:
    """A memory found for a task: what it says and how well it matched."""

    name: str  # tenants/{tenant}/memories/{memory}
    content: str
    score: float
    similarity: float


@dataclass(frozen=True)
class TaskMemory:
    """A task's result, to be remembered as an episodic memory of its goal.

    The namespace is created (open to the whole tenant) when it does not exist yet;
    ``memory_id`` and ``request_id`` are the same each time an attempt runs, so it is stored
    once.
    """

    tenant: str
    namespace: str  # goals.<goal id>
    namespace_title: str
    memory_id: str
    request_id: str
    content: str
    agent: str  # the agent type
    goal: str  # tenants/{tenant}/goals/{goal}
    task: str  # tenants/{tenant}/goals/{goal}/tasks/{task}
    importance: float
    tags: tuple[str, ...]
    metadata: Mapping[str, str]


class AgentMemory(Protocol):
    """Memory: what is known that may help with a task, and what a task produced."""

    async def retrieve(self, tenant: str, query: str, *, agent: str,
                       token_budget: int) -> list[ContextMemory]:
        """The memories ``agent`` (a type) may read that help most with ``query``, best
        first, their content within ``token_budget``; none when memory does not serve
        context."""
        ...

    async def remember(self, memory: TaskMemory) -> None:
        """Store ``memory`` (stored already counts as done)."""
        ...


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
    context: Sequence[ContextMemory] = field(default_factory=tuple)
    validation: str = ""


class AgentPipeline:
    """Runs any agent type on a task.

    Args:
        memory: Context for tasks, and where their results are remembered.
        models: The AI runtime.
        quality: The quality gate.
        results: Where results are stored.
    """

    def __init__(self, memory: AgentMemory, models: ModelGateway, quality: QualityGate,
                 results: ResultStore) -> None:
        self._memory = memory
        self._models = models
        self._quality = quality
        self._results = results

    async def run(self, agent: AgentType, task: agent_io_pb2.AgentInput, *, tenant: str,
                  agent_name: str, attempt: int) -> AgentRun:
        """One attempt of ``agent`` at ``task``.

        Raises:
            AgentFailure: The answer was malformed, rejected by the quality gate, or reported
                a failure itself; the task's failure strategy decides what happens next.
            CognitionError: A peer failed (memory's context included; remembering the
                result is best effort and never fails the attempt).
        """
        query = agent.context_query(task).strip()
        context = await self._memory.retrieve(
            tenant, query, agent=agent.role, token_budget=agent.context_tokens) if query else []
        prompt_input = agent_io_pb2.AgentInput()
        prompt_input.CopyFrom(task)
        prompt_input.context[:] = [memory.content for memory in context]
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
        await self._remember(task_memory(agent, task, result, context, tenant=tenant,
                                         attempt=attempt))
        return AgentRun(output=output, result=result, completion=answer.completion,
                        prompt_version=answer.prompt_version, context=tuple(context),
                        validation=verdict.validation)

    async def _remember(self, memory: TaskMemory | None) -> None:
        """Store a task's memory; a failure is logged, not raised: the task succeeded."""
        if memory is None:
            return
        try:
            await self._memory.remember(memory)
        except CognitionError as error:
            log.warning("the result of %s was not remembered in %s: %s %s", memory.task,
                        memory.namespace, error.reason, error.message)
        except Exception:
            log.exception("the result of %s was not remembered in %s", memory.task,
                          memory.namespace)


def task_memory(agent: AgentType, task: agent_io_pb2.AgentInput, result: str,
                context: Sequence[ContextMemory], *, tenant: str,
                attempt: int) -> TaskMemory | None:
    """The episodic memory of ``attempt`` at ``task``: its title and result in the goal's
    namespace, recording the memories it used; None when the task is not named as a goal's
    task."""
    parts = task.task.split("/")
    if len(parts) != 6 or parts[0] != "tenants" or parts[2] != "goals" or parts[4] != "tasks":
        return None
    goal = _goal_of(task.task)
    title = task.title or parts[5]
    content = " ".join(f"{title}: {result}".split())
    if len(content) > MEMORY_CHARS:
        content = content[:MEMORY_CHARS - 1] + "…"
    memory_id = task_memory_id(task.task, attempt)
    uses = [MemoryUse(memory.name, memory.score, memory.similarity) for memory in context]
    return TaskMemory(
        tenant=tenant, namespace=goal_namespace(goal),
        namespace_title=(" ".join(task.goal.split()) or goal)[:200],
        memory_id=memory_id, request_id=f"remember-{memory_id}", content=content,
        agent=agent.role, goal=goal, task=task.task, importance=MEMORY_IMPORTANCE,
        tags=(agent.role,), metadata={**context_metadata(uses), ATTEMPT_KEY: str(attempt)})


def _goal_of(task_name: str) -> str:
    """``tenants/t/goals/g/tasks/x`` -> ``tenants/t/goals/g``."""
    return "/".join(task_name.split("/")[:4])
