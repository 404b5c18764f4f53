"""The agent pipeline's ports as clients of the mesh: memory, the AI runtime, the quality gate
and the task-planner, each through a resilient :class:`shared.mesh.client.ServiceClient`."""

from __future__ import annotations

import contextlib
import logging
import re
import time

from google.protobuf import field_mask_pb2

from cognition.memory.v1 import memory_pb2, memory_service_pb2, namespace_pb2
from cognition.planner.v1 import planner_service_pb2, task_pb2
from cognition.quality.v1 import policy_pb2, quality_service_pb2, validation_pb2
from cognition.runtime.v1 import completion_pb2, runtime_service_pb2
from shared.agents.pipeline import (
    ContextMemory,
    ModelAnswer,
    ModelRequest,
    OutputCheck,
    QualityVerdict,
    TaskMemory,
    ToolUse,
    Turn,
)
from shared.agents.sections import system_text
from shared.errors import AlreadyExists, InvalidArgument, NotFound, Unimplemented
from shared.mesh.client import ServiceClient
from shared.mesh.methods import Unary
from shared.mesh.resilience import MODEL_CALL_TIMEOUT

RETRIEVE_CONTEXT = Unary.of(memory_service_pb2.RetrieveContextRequest,
                            memory_service_pb2.RetrieveContextResponse)
CREATE_MEMORY = Unary.of(memory_service_pb2.CreateMemoryRequest,
                         memory_service_pb2.CreateMemoryResponse)
CREATE_NAMESPACE = Unary.of(memory_service_pb2.CreateNamespaceRequest,
                            memory_service_pb2.CreateNamespaceResponse)
COMPLETE = Unary.of(runtime_service_pb2.CompleteRequest, runtime_service_pb2.CompleteResponse)
VALIDATE_OUTPUT = Unary.of(quality_service_pb2.ValidateOutputRequest,
                            quality_service_pb2.ValidateOutputResponse)
UPDATE_TASK = Unary.of(planner_service_pb2.UpdateTaskRequest,
                        planner_service_pb2.UpdateTaskResponse)

log = logging.getLogger(__name__)

_AGENT_NAME = re.compile(r"^tenants/[^/]+/agents/[^/]+$")


class MeshMemory:
    """Context from the memory service (RetrieveContext, as the agent type's grants allow),
    and tasks' results remembered in their goals' namespaces.

    Args:
        client: A client of the memory service.
        recheck_after: Seconds during which a memory service that does not serve context is
            not asked again.
    """

    def __init__(self, client: ServiceClient, recheck_after: float = 60.0) -> None:
        self._client = client
        self._recheck_after = recheck_after
        self._unserved_until = 0.0
        self._ensured: set[tuple[str, str]] = set()  # (tenant, namespace) known to exist

    async def retrieve(self, tenant: str, query: str, *, agent: str,
                       token_budget: int) -> list[ContextMemory]:
        if time.monotonic() < self._unserved_until:
            return []
        request = memory_service_pb2.RetrieveContextRequest(
            parent=f"tenants/{tenant}", query=query[:8192], agent=agent,
            token_budget=max(1, min(token_budget, 32768)))
        try:
            response = await self._client.call(RETRIEVE_CONTEXT, request)
        except Unimplemented:
            # This memory service retrieves no context yet: agents work without it.
            log.info("memory context is not served; agents get none for %.0f s",
                     self._recheck_after)
            self._unserved_until = time.monotonic() + self._recheck_after
            return []
        return [ContextMemory(found.memory.name, found.memory.content, found.score,
                              found.similarity) for found in response.results]

    async def remember(self, memory: TaskMemory) -> None:
        await self._ensure_namespace(memory)
        try:
            await self._create(memory)
        except InvalidArgument as error:
            if not _reason_is(error, "NAMESPACE_NOT_FOUND"):
                raise
            # Deleted since this process created it: create it again, once.
            self._ensured.discard((memory.tenant, memory.namespace))
            await self._ensure_namespace(memory)
            await self._create(memory)

    async def _create(self, memory: TaskMemory) -> None:
        """CreateMemory; a memory of that id, or a request of that id, is the same
        attempt's, stored already (the request differs when its context was found again)."""
        try:
            await self._client.call(CREATE_MEMORY, memory_service_pb2.CreateMemoryRequest(
                parent=f"tenants/{memory.tenant}", memory_id=memory.memory_id,
                request_id=memory.request_id, memory=memory_pb2.Memory(
                    namespace=memory.namespace, content=memory.content,
                    kind=memory_pb2.MEMORY_KIND_EPISODIC, importance=memory.importance,
                    metadata=dict(memory.metadata), tags=list(memory.tags),
                    source=memory_pb2.MemorySource(agent=memory.agent, goal=memory.goal,
                                                   task=memory.task))))
        except AlreadyExists:
            pass
        except InvalidArgument as error:
            if not _reason_is(error, "REQUEST_ID_REUSED"):
                raise

    async def _ensure_namespace(self, memory: TaskMemory) -> None:
        """Create the goal's namespace (open to the whole tenant) unless this process knows
        it exists."""
        key = (memory.tenant, memory.namespace)
        if key in self._ensured:
            return
        # No request_id: one would replay the first creation after the namespace was deleted;
        # the id alone makes the call safe to retry (ALREADY_EXISTS).
        with contextlib.suppress(AlreadyExists):
            await self._client.call(CREATE_NAMESPACE, memory_service_pb2.CreateNamespaceRequest(
                parent=f"tenants/{memory.tenant}", namespace_id=memory.namespace,
                namespace=namespace_pb2.Namespace(display_name=memory.namespace_title,
                                                  kind=namespace_pb2.NAMESPACE_KIND_GOAL)),
                idempotent=True)
        self._ensured.add(key)


def _reason_is(error: InvalidArgument, reason: str) -> bool:
    """Whether ``error`` says ``reason``, itself or for one of its fields."""
    return reason in {error.reason, *(v.reason for v in error.violations)}


class MeshModels:
    """Model calls through the AI runtime (which renders the role's versioned prompt)."""

    def __init__(self, client: ServiceClient):
        self._client = client

    async def complete(self, request: ModelRequest) -> ModelAnswer:
        variables = request.variables
        system = system_text(variables)
        messages = [completion_pb2.Message(role=completion_pb2.MESSAGE_ROLE_SYSTEM,
                                           content=system)] if system else []
        messages += [
            completion_pb2.Message(role=completion_pb2.MESSAGE_ROLE_USER,
                                   content=variables.get("goal", "")),
            completion_pb2.Message(role=completion_pb2.MESSAGE_ROLE_USER,
                                   content=variables.get("task", "")),
            *(_message(turn) for turn in request.conversation),
        ]
        response = await self._client.call(COMPLETE, runtime_service_pb2.CompleteRequest(
            parent=f"tenants/{request.tenant}", role=request.role, messages=messages,
            response_schema=request.response_schema, goal=request.goal,
            agent=request.agent if _AGENT_NAME.match(request.agent) else "",
            request_id=request.request_id[-128:],
            tools=[completion_pb2.ToolDefinition(name=t.name, description=t.description,
                                                 parameters=t.parameters)
                   for t in request.tools]), timeout=MODEL_CALL_TIMEOUT, idempotent=True)
        completion = response.completion
        return ModelAnswer(completion.output, completion.name, completion.prompt_version,
                           tuple(ToolUse(c.id, c.name, c.arguments)
                                 for c in completion.tool_calls))


_TURN_ROLES = {"assistant": completion_pb2.MESSAGE_ROLE_ASSISTANT,
               "tool": completion_pb2.MESSAGE_ROLE_TOOL,
               "user": completion_pb2.MESSAGE_ROLE_USER}


def _message(turn: Turn) -> completion_pb2.Message:
    return completion_pb2.Message(
        role=_TURN_ROLES[turn.role], content=turn.content, tool_call_id=turn.tool_call_id,
        tool_calls=[completion_pb2.ToolCall(id=c.id, name=c.name, arguments=c.arguments)
                    for c in turn.tool_calls])


class MeshQualityGate:
    """Outputs judged by the AI quality gate: against the tenant's policy named by the agent
    type's convention (``executor-output``) when it has one, else the policy the gate picks
    for the agent type (the tenant's, or the gate's default).

    A tenant without the named policy (NOT_FOUND) is remembered for ``recheck_after``
    seconds, so a newly created one applies within that time. A gate that does not validate
    (UNIMPLEMENTED) means no check.
    """

    def __init__(self, client: ServiceClient,
                 recheck_after: float = 10.0):
        self._client = client
        self._recheck_after = recheck_after
        self._unnamed_until: dict[tuple[str, str], float] = {}

    async def check(self, output: OutputCheck) -> QualityVerdict:
        key = (output.tenant, output.policy)
        named = time.monotonic() >= self._unnamed_until.get(key, 0.0)
        request = quality_service_pb2.ValidateOutputRequest(
            parent=f"tenants/{output.tenant}",
            policy=f"tenants/{output.tenant}/policies/{output.policy}" if named else "",
            content=output.content, subject=output.subject, agent_type=output.agent_type,
            prompt_version=output.prompt_version, output_schema=output.output_schema,
            known_tools=list(output.known_tools), tools_used=list(output.tools_used),
            round=output.round, task_description=output.task_description)
        try:
            try:
                response = await self._client.call(VALIDATE_OUTPUT, request)
            except NotFound:
                if not named:
                    raise
                self._unnamed_until[key] = time.monotonic() + self._recheck_after
                request.policy = ""
                response = await self._client.call(VALIDATE_OUTPUT, request)
        except Unimplemented:
            return QualityVerdict(passed=True)
        validation = response.validation
        action = policy_pb2.Action.Name(validation.action).removeprefix("ACTION_")
        if action == "UNSPECIFIED":
            action = "ACCEPT" if validation.verdict == validation_pb2.VERDICT_PASS else "REJECT"
        return QualityVerdict(action == "ACCEPT",
                              list(validation.reasons) or [f.message for f in validation.findings],
                              validation.name, action, validation.feedback, validation.score,
                              validation.redacted_content)


class PlannerResults:
    """Results stored on the task in the task-planner (the task becomes SUCCEEDED)."""

    def __init__(self, client: ServiceClient):
        self._client = client

    async def store(self, task: str, result: str) -> None:
        await self._client.call(UPDATE_TASK, planner_service_pb2.UpdateTaskRequest(
            task=task_pb2.Task(name=task, state=task_pb2.TASK_STATE_SUCCEEDED, result=result),
            update_mask=field_mask_pb2.FieldMask(paths=["state", "result"])))

