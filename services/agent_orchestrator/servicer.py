"""gRPC servicer of cognition.orchestrator.v1.OrchestratorService: proto in, domain, proto out."""

from __future__ import annotations

from collections.abc import AsyncIterator, Awaitable, Callable

import grpc

from cognition.orchestrator.v1 import orchestrator_service_pb2 as pb
from cognition.orchestrator.v1 import orchestrator_service_pb2_grpc as pb_grpc
from services.agent_orchestrator import convert
from services.agent_orchestrator.core.agents import AgentService
from services.agent_orchestrator.core.executions import ExecutionService
from services.agent_orchestrator.core.scheduler import Completion, Scheduler
from shared.database import PageRequest
from shared.proto.fields import timestamp
from shared.resources import names
from shared.rpc.standard_methods import standard_methods


class OrchestratorServicer(pb_grpc.OrchestratorServiceServicer):
    """Agents, their heartbeats, their assignments and execution attempts."""

    CreateAgent, GetAgent, ListAgents, UpdateAgent, DeleteAgent = standard_methods(
        convert.AGENTS, "_agents")
    (GetAssignment,) = standard_methods(convert.ASSIGNMENT_RESOURCE, "_executions.assignments",
                                        "get")
    (GetExecution,) = standard_methods(convert.EXECUTION_RESOURCE, "_executions.executions",
                                       "get")

    def __init__(self, agents: AgentService, executions: ExecutionService,
                 scheduler: Scheduler,
                 on_complete: Callable[[Completion], Awaitable[None]] | None = None) -> None:
        self._agents = agents
        self._executions = executions
        self._scheduler = scheduler
        self._on_complete = on_complete

    async def HeartbeatAgent(self, request: pb.HeartbeatAgentRequest,
                             context: grpc.aio.ServicerContext) -> pb.HeartbeatAgentResponse:
        tenant, agent_id = names.parse_name(request.name, convert.COLLECTION)
        agent = await self._agents.heartbeat(tenant, agent_id, request.active_assignments)
        return pb.HeartbeatAgentResponse(agent=convert.agent_to_proto(agent))

    async def ListAssignments(self, request: pb.ListAssignmentsRequest,
                              context: grpc.aio.ServicerContext) -> pb.ListAssignmentsResponse:
        tenant = names.parse_parent(request.parent)
        matching = convert.ASSIGNMENT_FILTER.parse(request.filter, tenant)
        page = await self._executions.list_assignments(
            tenant, PageRequest.of(request.page_size, request.page_token),
            task=request.task, agent=convert.agent_id_of(tenant, request.agent),
            matching=matching)
        return pb.ListAssignmentsResponse(
            assignments=[convert.assignment_to_proto(a) for a in page.items],
            next_page_token=page.next_page_token)

    async def ListExecutions(self, request: pb.ListExecutionsRequest,
                             context: grpc.aio.ServicerContext) -> pb.ListExecutionsResponse:
        tenant = names.parse_parent(request.parent)
        page = await self._executions.list_executions(
            tenant, PageRequest.of(request.page_size, request.page_token), task=request.task,
            agent=convert.agent_id_of(tenant, request.agent))
        return pb.ListExecutionsResponse(
            executions=[convert.execution_to_proto(e) for e in page.items],
            next_page_token=page.next_page_token)

    async def CompleteExecution(self, request: pb.CompleteExecutionRequest,
                                context: grpc.aio.ServicerContext
                                ) -> pb.CompleteExecutionResponse:
        tenant, execution_id = names.parse_name(request.name, convert.EXECUTIONS)
        done = await self._scheduler.complete(tenant, execution_id, output=request.output,
                                              error=request.error)
        if self._on_complete is not None:
            await self._on_complete(done)
        return pb.CompleteExecutionResponse(
            execution=convert.execution_to_proto(done.execution),
            assignment=convert.assignment_to_proto(done.assignment),
            replacement=(convert.assignment_to_proto(done.replacement)
                         if done.replacement is not None else None),
            pause_goal=done.decision is not None and done.decision.pause_goal)

    async def WatchExecution(self, request: pb.WatchExecutionRequest,
                             context: grpc.aio.ServicerContext
                             ) -> AsyncIterator[pb.WatchExecutionResponse]:
        tenant, execution_id = names.parse_name(request.name, convert.EXECUTIONS)
        async for execution in self._executions.watch_execution(tenant, execution_id):
            yield pb.WatchExecutionResponse(
                execution=convert.execution_to_proto(execution),
                event_type=f"execution.{execution.state.value.lower()}",
                event_time=timestamp(execution.update_time))
