"""The agent pipeline's ports as clients of the mesh: memory, the AI runtime, the quality gate
and the task-planner, each through a resilient :class:`shared.mesh.client.ServiceClient`."""

from __future__ import annotations

import logging
import re
import time

from google.protobuf import field_mask_pb2

from cognition.memory.v1 import memory_service_pb2
from cognition.planner.v1 import planner_service_pb2, task_pb2
from cognition.quality.v1 import quality_service_pb2, validation_pb2
from cognition.runtime.v1 import completion_pb2, runtime_service_pb2
from shared.agents.pipeline import ModelAnswer, ModelRequest, QualityVerdict
from shared.agents.sections import system_text
from shared.errors import NotFound, Unimplemented
from shared.mesh.client import ServiceClient
from shared.mesh.methods import Unary
from shared.mesh.resilience import MODEL_CALL_TIMEOUT

SEARCH_MEMORIES = Unary.of(memory_service_pb2.SearchMemoriesRequest,
                            memory_service_pb2.SearchMemoriesResponse)
COMPLETE = Unary.of(runtime_service_pb2.CompleteRequest, runtime_service_pb2.CompleteResponse)
VALIDATE_OUTPUT = Unary.of(quality_service_pb2.ValidateOutputRequest,
                            quality_service_pb2.ValidateOutputResponse)
UPDATE_TASK = Unary.of(planner_service_pb2.UpdateTaskRequest,
                        planner_service_pb2.UpdateTaskResponse)

log = logging.getLogger(__name__)

_AGENT_NAME = re.compile(r"^tenants/[^/]+/agents/[^/]+$")


class MeshMemory:
    """Context from the memory service's semantic search.

    Args:
        client: A client of the memory service.
        namespace: The memory namespace searched.
        recheck_after: Seconds during which a memory service that does not serve search is
            not asked again.
    """

    def __init__(self, client: ServiceClient,
                 namespace: str = "", recheck_after: float = 60.0) -> None:
        self._client = client
        self._namespace = namespace
        self._recheck_after = recheck_after
        self._unserved_until = 0.0

    async def search(self, tenant: str, query: str, limit: int) -> list[str]:
        if time.monotonic() < self._unserved_until:
            return []
        request = memory_service_pb2.SearchMemoriesRequest(
            parent=f"tenants/{tenant}", namespace=self._namespace, query=query[:8192],
            top_k=max(1, min(limit, 100)))
        try:
            response = await self._client.call(SEARCH_MEMORIES, request)
        except Unimplemented:
            # This memory service keeps no vectors yet: agents work without context.
            log.info("memory search is not served; agents get no context for %.0f s",
                     self._recheck_after)
            self._unserved_until = time.monotonic() + self._recheck_after
            return []
        return [result.memory.content for result in response.results]


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
        ]
        response = await self._client.call(COMPLETE, runtime_service_pb2.CompleteRequest(
            parent=f"tenants/{request.tenant}", role=request.role, messages=messages,
            response_schema=request.response_schema, goal=request.goal,
            agent=request.agent if _AGENT_NAME.match(request.agent) else "",
            request_id=request.request_id[-128:]), timeout=MODEL_CALL_TIMEOUT, idempotent=True)
        completion = response.completion
        return ModelAnswer(completion.output, completion.name, completion.prompt_version)


class MeshQualityGate:
    """Outputs judged by the AI quality gate against one of the tenant's policies.

    A tenant without the policy (NOT_FOUND), or a gate that does not validate
    (UNIMPLEMENTED), means no check: the answer is remembered for ``recheck_after`` seconds,
    so a newly created policy applies within that time.
    """

    def __init__(self, client: ServiceClient,
                 recheck_after: float = 10.0):
        self._client = client
        self._recheck_after = recheck_after
        self._unchecked_until: dict[tuple[str, str], float] = {}

    async def check(self, tenant: str, policy: str, content: str,
                    subject: str) -> QualityVerdict:
        key = (tenant, policy)
        if time.monotonic() < self._unchecked_until.get(key, 0.0):
            return QualityVerdict(passed=True)
        try:
            response = await self._client.call(VALIDATE_OUTPUT,
                                               quality_service_pb2.ValidateOutputRequest(
                                                   parent=f"tenants/{tenant}",
                                                   policy=f"tenants/{tenant}/policies/{policy}",
                                                   content=content, subject=subject))
        except (NotFound, Unimplemented):
            self._unchecked_until[key] = time.monotonic() + self._recheck_after
            return QualityVerdict(passed=True)
        self._unchecked_until.pop(key, None)
        validation = response.validation
        return QualityVerdict(validation.verdict == validation_pb2.VERDICT_PASS,
                              [f.message for f in validation.findings], validation.name)


class PlannerResults:
    """Results stored on the task in the task-planner (the task becomes SUCCEEDED)."""

    def __init__(self, client: ServiceClient):
        self._client = client

    async def store(self, task: str, result: str) -> None:
        await self._client.call(UPDATE_TASK, planner_service_pb2.UpdateTaskRequest(
            task=task_pb2.Task(name=task, state=task_pb2.TASK_STATE_SUCCEEDED, result=result),
            update_mask=field_mask_pb2.FieldMask(paths=["state", "result"])))

