"""Process of the agent-orchestrator: its database, domain and servicer on the shared bootstrap."""

from __future__ import annotations

import pathlib

from cognition.orchestrator.v1 import orchestrator_service_pb2_grpc as pb_grpc
from services.agent_orchestrator.config import SPEC, Settings
from services.agent_orchestrator.core.agents import AgentService
from services.agent_orchestrator.core.executions import ExecutionService
from services.agent_orchestrator.core.health import HealthMonitor
from services.agent_orchestrator.core.scheduler import Scheduler
from services.agent_orchestrator.core.supervisor import Supervisor
from services.agent_orchestrator.repository import AssignmentStore, agent_repository
from services.agent_orchestrator.servicer import OrchestratorServicer
from shared.config import ServiceSettings
from shared.database import DatabaseConnection
from shared.server import Register, RunningServer, start_service

MIGRATIONS = pathlib.Path(__file__).parent / "migrations"


def _tuning(settings: ServiceSettings) -> Settings:
    """The orchestrator's own settings (defaults when given plain service settings)."""
    if isinstance(settings, Settings):
        return settings
    return Settings.model_validate(settings.model_dump())


async def create_server(settings: ServiceSettings) -> RunningServer:
    """Start the agent-orchestrator (port 0 in settings = any free port)."""
    tuning = _tuning(settings)
    supervisors: list[Supervisor] = []

    def servicers(db: DatabaseConnection) -> Register:
        store = AssignmentStore(db)
        agents = agent_repository(db)
        scheduler = Scheduler(store, agents, lease=tuning.execution_lease)
        if tuning.supervise_interval_seconds > 0:
            supervisors.append(Supervisor(HealthMonitor(store, tuning.heartbeat_timeout),
                                          scheduler, tuning.supervise_interval_seconds))
        servicer = OrchestratorServicer(
            AgentService(agents, store, tuning.execution_lease), ExecutionService(store), scheduler)
        return lambda server: pb_grpc.add_OrchestratorServiceServicer_to_server(servicer, server)

    running = await start_service(SPEC, settings, MIGRATIONS, servicers)
    for supervisor in supervisors:
        supervisor.start()
        running.on_stop.append(supervisor.stop)
    return running
