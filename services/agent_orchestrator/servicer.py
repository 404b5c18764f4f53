"""gRPC servicer of cognition.orchestrator.v1.OrchestratorService: proto in, domain, proto out."""

from __future__ import annotations

import grpc

from cognition.orchestrator.v1 import orchestrator_service_pb2 as pb
from cognition.orchestrator.v1 import orchestrator_service_pb2_grpc as pb_grpc
from services.agent_orchestrator import convert
from services.agent_orchestrator.core.agents import UPDATABLE_FIELDS, AgentService
from shared import names
from shared.database import PageRequest
from shared.protos import mask_paths


class OrchestratorServicer(pb_grpc.OrchestratorServiceServicer):
    """Agents and their heartbeats. Assignment and execution RPCs arrive with scheduling."""

    def __init__(self, agents: AgentService) -> None:
        self._agents = agents

    async def CreateAgent(self, request: pb.CreateAgentRequest,
                          context: grpc.aio.ServicerContext) -> pb.CreateAgentResponse:
        tenant = names.parse_parent(request.parent)
        agent_id = names.choose_id(request.agent_id, "agent_id")
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
        page = await self._agents.list(tenant,
                                       PageRequest.of(request.page_size, request.page_token))
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
