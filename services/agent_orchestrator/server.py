"""Process of the agent-orchestrator: its database, domain and servicer on the shared bootstrap."""

from __future__ import annotations

import pathlib

from cognition.orchestrator.v1 import orchestrator_service_pb2_grpc as pb_grpc
from services.agent_orchestrator.config import SPEC
from services.agent_orchestrator.core.agents import AgentService
from services.agent_orchestrator.repository import agent_repository
from services.agent_orchestrator.servicer import OrchestratorServicer
from shared.config import ServiceSettings
from shared.database import DatabaseConnection
from shared.server import Register, RunningServer, start_service

MIGRATIONS = pathlib.Path(__file__).parent / "migrations"


def _servicers(db: DatabaseConnection) -> Register:
    servicer = OrchestratorServicer(AgentService(agent_repository(db)))
    return lambda server: pb_grpc.add_OrchestratorServiceServicer_to_server(servicer, server)


async def create_server(settings: ServiceSettings) -> RunningServer:
    """Start the agent-orchestrator (port 0 in settings = any free port)."""
    return await start_service(SPEC, settings, MIGRATIONS, _servicers)
