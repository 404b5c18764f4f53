"""gRPC servicer of cognition.orchestrator.v1.OrchestratorService: proto in, domain, proto out."""

from __future__ import annotations

from collections.abc import AsyncIterator, Awaitable, Callable

import grpc

from cognition.orchestrator.v1 import orchestrator_service_pb2 as pb
from cognition.orchestrator.v1 import orchestrator_service_pb2_grpc as pb_grpc
from services.agent_orchestrator import convert
from services.agent_orchestrator.core.agents import (
    BUILTIN_PREFIX,
    UPDATABLE_FIELDS,
    AgentService,
    is_builtin,
)
from services.agent_orchestrator.core.executions import ExecutionService
from services.agent_orchestrator.core.scheduler import Completion, Scheduler
from shared.database import PageRequest
from shared.errors import InvalidArgument
from shared.proto.fields import mask_paths, timestamp
from shared.resources import names


class OrchestratorServicer(pb_grpc.OrchestratorServiceServicer):
    """Agents, their heartbeats, their assignments and execution attempts."""

    def __init__(self, agents: AgentService, executions: ExecutionService,
                 scheduler: Scheduler,
                 on_complete: Callable[[Completion], Awaitable[None]] | None = None) -> None:
        self._agents = agents
        self._executions = executions
        self._scheduler = scheduler
        self._on_complete = on_complete

    async def CreateAgent(self, request: pb.CreateAgentRequest,
                          context: grpc.aio.ServicerContext) -> pb.CreateAgentResponse:
        tenant = names.parse_parent(request.parent)
        agent_id = names.choose_id(request.agent_id, "agent_id")
        if is_builtin(agent_id):
            raise InvalidArgument.for_field("agent_id", f"the prefix {BUILTIN_PREFIX!r} is "
                                            "reserved for built-in agents")
        agent = await self._agents.create(convert.new_agent(tenant, agent_id, request.agent))
        return pb.CreateAgentResponse(agent=convert.agent_to_proto(agent))

    async def GetAgent(self, request: pb.GetAgentRequest,
                       context: grpc.aio.ServicerContext) -> pb.GetAgentResponse:
        tenant, agent_id = names.parse_name(request.name, convert.COLLECTION)
        agent = await self._agents.get(tenant, agent_id)
        return pb.GetAgentResponse(agent=convert.agent_to_proto(agent))

    async def ListAgents(self, request: pb.ListAgentsRequest,
                         context: grpc.aio.ServicerContext) -> pb.ListAgentsResponse:
        tenant = names.parse_parent(request.parent)
        matching = convert.AGENT_FILTER.parse(request.filter, tenant)
        page = await self._agents.list(tenant,
                                       PageRequest.of(request.page_size, request.page_token),
                                       matching)
        return pb.ListAgentsResponse(agents=[convert.agent_to_proto(a) for a in page.items],
                                     next_page_token=page.next_page_token)

    async def UpdateAgent(self, request: pb.UpdateAgentRequest,
                          context: grpc.aio.ServicerContext) -> pb.UpdateAgentResponse:
        tenant, agent_id = names.parse_name(request.agent.name, convert.COLLECTION, "agent.name")
        paths = mask_paths(request.update_mask, UPDATABLE_FIELDS)
        agent = await self._agents.update(tenant, agent_id,
                                          convert.agent_changes(request.agent, paths),
                                          request.agent.etag)
        return pb.UpdateAgentResponse(agent=convert.agent_to_proto(agent))

    async def DeleteAgent(self, request: pb.DeleteAgentRequest,
                          context: grpc.aio.ServicerContext) -> pb.DeleteAgentResponse:
        tenant, agent_id = names.parse_name(request.name, convert.COLLECTION)
        await self._agents.delete(tenant, agent_id)
        return pb.DeleteAgentResponse()

    async def HeartbeatAgent(self, request: pb.HeartbeatAgentRequest,
                             context: grpc.aio.ServicerContext) -> pb.HeartbeatAgentResponse:
        tenant, agent_id = names.parse_name(request.name, convert.COLLECTION)
        agent = await self._agents.heartbeat(tenant, agent_id, request.active_assignments)
        return pb.HeartbeatAgentResponse(agent=convert.agent_to_proto(agent))

    async def GetAssignment(self, request: pb.GetAssignmentRequest,
                            context: grpc.aio.ServicerContext) -> pb.GetAssignmentResponse:
        tenant, assignment_id = names.parse_name(request.name, convert.ASSIGNMENTS)
        assignment = await self._executions.get_assignment(tenant, assignment_id)
        return pb.GetAssignmentResponse(assignment=convert.assignment_to_proto(assignment))

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

    async def GetExecution(self, request: pb.GetExecutionRequest,
                           context: grpc.aio.ServicerContext) -> pb.GetExecutionResponse:
        tenant, execution_id = names.parse_name(request.name, convert.EXECUTIONS)
        execution = await self._executions.get_execution(tenant, execution_id)
        return pb.GetExecutionResponse(execution=convert.execution_to_proto(execution))

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
