"""``AgentPipeline``: the one pipeline every agent runs.

gather context (memory, within the agent type's token budget and its grants) -> build the
prompt and call the model (AI runtime, which renders the versioned prompt), offering the tools
the agent type may use and running the calls the model makes through the tool-runner until it
answers -> parse the answer into the role's output message -> check it in the quality gate,
sending the gate's feedback back to the model while the gate asks for a repair -> store the
result -> remember it in the goal's memory (best effort). Each collaborator is a port (a
Protocol) so the pipeline is the same whether the ports are gRPC clients of the mesh or
in-memory fakes.
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


# Rounds of tool calls one answer may take before the model is asked to answer without tools.
MAX_TOOL_STEPS = 8
# Tool calls in a row that may fail before the model is asked to answer without tools.
MAX_FAILED_CALLS = 2


@dataclass(frozen=True)
class ToolSpec:
    """A tool offered to the model: its name, purpose and the JSON Schema of its arguments."""

    name: str
    description: str
    parameters: str


@dataclass(frozen=True)
class ToolUse:
    """A call of a tool the model asked for."""

    id: str
    name: str
    arguments: str


@dataclass(frozen=True)
class Turn:
    """A turn of the conversation after the prompt: the model's (``assistant``, with the
    tools it called), a tool's result (``tool``) or what the model is asked next (``user``)."""

    role: str
    content: str
    tool_calls: tuple[ToolUse, ...] = ()
    tool_call_id: str = ""


@dataclass(frozen=True)
class ToolRunRecord:
    """A tool run an agent made: the tool, the run's name, how it ended and what it gave."""

    tool: str
    run: str  # tenants/{tenant}/toolRuns/{run}; empty when the run was refused
    state: str  # SUCCEEDED, FAILED, ... or REFUSED
    output: str

    @property
    def succeeded(self) -> bool:
        return self.state == "SUCCEEDED"


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
    tools: tuple[ToolSpec, ...] = ()
    conversation: tuple[Turn, ...] = ()


@dataclass(frozen=True)
class ModelAnswer:
    """What the AI runtime answered."""

    text: str
    completion: str  # the completion's resource name
    prompt_version: str = ""
    tool_calls: tuple[ToolUse, ...] = ()


@dataclass(frozen=True)
class OutputCheck:
    """An output for the quality gate, with what it needs to judge it."""

    tenant: str
    policy: str  # the conventional policy id of the agent type (``executor-output``)
    content: str
    subject: str  # the task
    agent_type: str
    prompt_version: str = ""
    output_schema: str = ""
    known_tools: tuple[str, ...] = ()
    tools_used: tuple[str, ...] = ()
    round: int = 0
    task_description: str = ""


@dataclass(frozen=True)
class QualityVerdict:
    """The quality gate's judgement of an output: whether it passed, and if not, whether to
    reject it, ask the agent for a repair (with ``feedback``) or escalate."""

    passed: bool
    findings: Sequence[str] = ()
    validation: str = ""  # the validation's resource name; empty when there was no policy
    action: str = "ACCEPT"  # ACCEPT, REJECT, REPAIR or ESCALATE
    feedback: str = ""
    score: float = 1.0
    # The output with secrets and personal data redacted, to use instead; empty when the
    # gate changed nothing.
    redacted: str = ""


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
    """The AI quality gate: the tenant's policy for the agent type, or the gate's default."""

    async def check(self, output: OutputCheck) -> QualityVerdict: ...


class ToolBox(Protocol):
    """The tool-runner: the tools an agent type may call, and running one for an agent."""

    async def offered(self, tenant: str, agent_type: str) -> list[ToolSpec]: ...

    async def run(self, tenant: str, call: ToolUse, *, agent_type: str, agent: str,
                  task: str) -> ToolRunRecord:
        """Run ``call`` to its end; a refusal (no permission, bad arguments) is a record in
        state REFUSED saying why, so the model can correct itself."""
        ...


class NoTools:
    """A tool box without tools."""

    async def offered(self, tenant: str, agent_type: str) -> list[ToolSpec]:
        return []

    async def run(self, tenant: str, call: ToolUse, *, agent_type: str, agent: str,
                  task: str) -> ToolRunRecord:
        return ToolRunRecord(call.name, "", "REFUSED", "no tools are offered")


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
    tool_runs: Sequence[ToolRunRecord] = field(default_factory=tuple)
    # Repairs the quality gate asked for before the output passed.
    repairs: int = 0


class AgentPipeline:
    """Runs any agent type on a task.

    Args:
        memory: Context for tasks, and where their results are remembered.
        models: The AI runtime.
        quality: The quality gate.
        results: Where results are stored.
        tools: The tool-runner (none by default).
    """

    def __init__(self, memory: AgentMemory, models: ModelGateway, quality: QualityGate,
                 results: ResultStore, tools: ToolBox | None = None) -> None:
        self._memory = memory
        self._models = models
        self._quality = quality
        self._results = results
        self._tools = tools or NoTools()

    async def run(self, agent: AgentType, task: agent_io_pb2.AgentInput, *, tenant: str,
                  agent_name: str, attempt: int) -> AgentRun:
        """One attempt of ``agent`` at ``task``.

        Raises:
            AgentFailure: The answer was malformed, rejected or escalated by the quality gate
                (after the repairs it asked for), or reported a failure itself; the task's
                failure strategy decides what happens next.
            CognitionError: A peer failed (memory's context included; remembering the
                result is best effort and never fails the attempt).
        """
        query = agent.context_query(task).strip()
        context = await self._memory.retrieve(
            tenant, query, agent=agent.role, token_budget=agent.context_tokens) if query else []
        prompt_input = agent_io_pb2.AgentInput()
        prompt_input.CopyFrom(task)
        prompt_input.context[:] = [memory.content for memory in context]
        tools = tuple(await self._tools.offered(tenant, agent.role)) if agent.uses_tools else ()
        session = _Session(agent, task, tenant, agent_name, attempt, prompt_input, tools)
        repairs = 0
        while True:
            answer = await self._answer(session, repairs)
            output = agent.parse(answer.text)
            agent.accept(output)
            result = agent.result_text(output)
            verdict = await self._quality.check(OutputCheck(
                tenant=tenant, policy=agent.policy_id, content=result, subject=task.task,
                agent_type=agent.role, prompt_version=answer.prompt_version,
                output_schema=agent.result_schema(),
                known_tools=tuple(tool.name for tool in tools),
                tools_used=tuple(run.tool for run in session.tool_runs if run.succeeded),
                round=repairs, task_description=agent.variables(task)["task"]))
            if verdict.passed:
                result = verdict.redacted or result
                break
            findings = "; ".join(verdict.findings) or "rejected by the quality gate"
            if verdict.action == "REPAIR":
                session.conversation += [Turn("assistant", answer.text),
                                         Turn("user", repair_request(verdict))]
                repairs += 1
                continue
            if verdict.action == "ESCALATE":
                raise AgentFailure("QUALITY_ESCALATED", findings, retryable=False)
            raise AgentFailure("QUALITY_REJECTED", findings)
        await self._results.store(task.task, result)
        await self._remember(task_memory(agent, task, result, context, tenant=tenant,
                                         attempt=attempt))
        return AgentRun(output=output, result=result, completion=answer.completion,
                        prompt_version=answer.prompt_version, context=tuple(context),
                        validation=verdict.validation, tool_runs=tuple(session.tool_runs),
                        repairs=repairs)

    async def _answer(self, session: _Session, repairs: int) -> ModelAnswer:
        """The model's answer, after running every tool it calls on the way (at most
        :data:`MAX_TOOL_STEPS` rounds of calls, and :data:`MAX_FAILED_CALLS` failed calls in
        a row; then it must answer without tools)."""
        agent, task = session.agent, session.task
        failed_in_a_row = 0
        for step in range(MAX_TOOL_STEPS + 1):
            offer = step < MAX_TOOL_STEPS and failed_in_a_row < MAX_FAILED_CALLS
            suffix = f"#repair-{repairs}" if repairs else ""
            suffix += f"#step-{step}" if step else ""
            answer = await self._models.complete(ModelRequest(
                tenant=session.tenant, role=agent.role,
                variables=agent.variables(session.prompt_input),
                response_schema=agent.response_schema(), goal=_goal_of(task.task),
                agent=session.agent_name,
                request_id=f"{task.task}#attempt-{session.attempt}{suffix}",
                tools=session.tools if offer else (),
                conversation=tuple(session.conversation)))
            if not answer.tool_calls or not offer:
                return answer  # calls of tools it was not offered are not run
            session.conversation.append(Turn("assistant", answer.text, answer.tool_calls))
            for call in answer.tool_calls:
                record = await self._tools.run(session.tenant, call, agent_type=agent.role,
                                               agent=session.agent_name, task=task.task)
                session.tool_runs.append(record)
                session.conversation.append(Turn("tool", tool_result_text(record),
                                                 tool_call_id=call.id))
                failed_in_a_row = 0 if record.succeeded else failed_in_a_row + 1
        raise AssertionError("unreachable: the last step offers no tools")

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


@dataclass
class _Session:
    """What one attempt has built up: the conversation after the prompt and the tool runs."""

    agent: AgentType
    task: agent_io_pb2.AgentInput
    tenant: str
    agent_name: str
    attempt: int
    prompt_input: agent_io_pb2.AgentInput
    tools: tuple[ToolSpec, ...]
    conversation: list[Turn] = field(default_factory=list)
    tool_runs: list[ToolRunRecord] = field(default_factory=list)


def tool_result_text(record: ToolRunRecord) -> str:
    """A tool's result as the model reads it: its output, or why it did not succeed."""
    if record.succeeded:
        return record.output
    return f"The tool did not succeed ({record.state}): {record.output}"


def repair_request(verdict: QualityVerdict) -> str:
    """What the model is asked after the quality gate asked for a repair."""
    feedback = verdict.feedback or "\n".join(f"- {finding}" for finding in verdict.findings)
    return ("The quality gate did not accept that answer. Fix these problems and answer "
            f"again in the same JSON format:\n{feedback}")


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
