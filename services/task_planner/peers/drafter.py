"""The planner agent, reached through the AI runtime: drafts a plan for a goal."""

from __future__ import annotations

from cognition.agents.v1 import agent_io_pb2
from cognition.runtime.v1 import completion_pb2, runtime_service_pb2
from services.task_planner.core.models import Goal, PlanDraft, Task
from shared import context
from shared.agents.base import AgentFailure, agent_type
from shared.errors import FailedPrecondition
from shared.mesh.client import ServiceClient
from shared.mesh.methods import Unary
from shared.mesh.resilience import MODEL_CALL_TIMEOUT

COMPLETE = Unary.of(runtime_service_pb2.CompleteRequest, runtime_service_pb2.CompleteResponse)

COMPLETIONS_WRITE = frozenset({"completions.write"})


class RuntimePlanDrafter:
    """Asks the AI runtime, in the planner role, to decompose a goal into tasks (the core's
    ``PlanDrafter``).

    Args:
        runtime: A client of the ai-runtime service.
        service: This service's name, its identity towards the runtime.
    """

    def __init__(self, runtime: ServiceClient,
                 service: str) -> None:
        self._runtime = runtime
        self._subject = f"services/{service}"
        self._agent = agent_type("planner")

    async def draft(self, goal: Goal, failure: str = "") -> PlanDraft:
        """The planner agent's draft for ``goal``; ``failure`` is what went wrong with the
        previous plan when replanning.

        Raises:
            FailedPrecondition: The answer is not a plan (PLAN_DRAFT_INVALID).
            Unavailable: The runtime cannot be reached.
        """
        goal_name = f"tenants/{goal.tenant}/goals/{goal.id}"
        request = runtime_service_pb2.CompleteRequest(
            parent=f"tenants/{goal.tenant}", role=self._agent.role,
            messages=[*_failure_context(failure),
                      completion_pb2.Message(role=completion_pb2.MESSAGE_ROLE_USER,
                                             content=goal.description)],
            response_schema=self._agent.response_schema(), goal=goal_name,
            max_output_tokens=self._agent.max_output_tokens,
            request_id=f"plan-{goal.id}-{goal.plan.rsplit('/', 1)[-1] or 'r0'}")
        identity = context.CallContext(tenant=goal.tenant, subject=self._subject,
                                       scopes=COMPLETIONS_WRITE)
        with context.bind(identity):
            response = await self._runtime.call(COMPLETE, request, timeout=MODEL_CALL_TIMEOUT,
                                                idempotent=True)
        try:
            output = self._agent.parse(response.completion.output)
        except AgentFailure as failure:
            raise FailedPrecondition(str(failure), reason="PLAN_DRAFT_INVALID") from failure
        assert isinstance(output, agent_io_pb2.PlannerOutput)
        return PlanDraft(tasks=tuple(_task(t) for t in output.tasks),
                         complexity=output.complexity or 1)


def _task(draft: agent_io_pb2.DraftTask) -> Task:
    return Task(id=draft.id, title=draft.title, instructions=draft.instructions,
                agent_role=draft.agent_role, depends_on=tuple(draft.depends_on),
                tools=tuple(draft.tools), acceptance_criteria=tuple(draft.acceptance_criteria),
                critical=draft.critical)


def _failure_context(failure: str) -> list[completion_pb2.Message]:
    if not failure:
        return []
    return [completion_pb2.Message(
        role=completion_pb2.MESSAGE_ROLE_SYSTEM,
        content=f"The previous plan for this goal failed: {failure}. Plan again; tasks keeping "
                "their ids keep their finished results.")]

