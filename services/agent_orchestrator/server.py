"""Process of the agent-orchestrator: its database, domain and servicer on the shared bootstrap,
plus the supervision and dispatch loops."""

from __future__ import annotations

import asyncio
import hashlib
import pathlib
import socket

from cognition.orchestrator.v1 import orchestrator_service_pb2_grpc as pb_grpc
from services.agent_orchestrator.agent_host import AgentHost, AgentRunner
from services.agent_orchestrator.config import SPEC, Settings
from services.agent_orchestrator.core.agents import AgentService
from services.agent_orchestrator.core.dispatch import Dispatcher
from services.agent_orchestrator.core.executions import ExecutionService
from services.agent_orchestrator.core.health import HealthMonitor
from services.agent_orchestrator.core.reporting import Reporter
from services.agent_orchestrator.core.scheduler import Completion, Scheduler
from services.agent_orchestrator.core.supervisor import Supervisor
from services.agent_orchestrator.peers.agent_pipeline import MeshMemory, MeshModels, MeshQualityGate
from services.agent_orchestrator.peers.alerts import MeshAlerts
from services.agent_orchestrator.peers.task_board import MeshTaskBoard
from services.agent_orchestrator.repository import AssignmentStore, agent_repository
from services.agent_orchestrator.servicer import OrchestratorServicer
from shared.agents.pipeline import AgentPipeline, ResultStore
from shared.config import ServiceSettings
from shared.database import DatabaseConnection
from shared.database.audit_outbox import AuditOutbox
from shared.mesh.client import ServiceClient
from shared.rpc.audit import AuditRecorder
from shared.rpc.server import Register, RunningServer, peer_client, start_service

MIGRATIONS = pathlib.Path(__file__).parent / "migrations"
# Model calls may take long (a real provider, or a simulated latency).
MODEL_DEADLINE = 120.0


def _tuning(settings: ServiceSettings) -> Settings:
    """The orchestrator's own settings (defaults when given plain service settings)."""
    if isinstance(settings, Settings):
        return settings
    return Settings.model_validate(settings.model_dump())


def host_id(tuning: Settings) -> str:
    """This replica's stable id: configured, or derived from host name and port."""
    if tuning.host_id:
        return tuning.host_id
    seed = f"{socket.gethostname()}:{tuning.port}"
    return hashlib.sha256(seed.encode()).hexdigest()[:10]


class _Peers:
    """Clients of the services the dispatch loop and the agent pipeline call."""

    def __init__(self, settings: ServiceSettings) -> None:
        def client(service: str, deadline: float = 10.0) -> ServiceClient:
            return peer_client(settings, SPEC, service, deadline=deadline)

        self.planner = client("task-planner")
        self.alerts = client("observability")
        self.memory = client("memory")
        self.runtime = client("ai-runtime", MODEL_DEADLINE)
        self.quality = client("ai-quality-gate")

        self._context = MeshMemory(self.memory)
        self._models = MeshModels(self.runtime)
        self._gate = MeshQualityGate(self.quality)

    def pipeline(self, results: ResultStore) -> AgentRunner:
        return AgentPipeline(self._context, self._models, self._gate, results)

    async def pipeline_reachable(self, timeout: float) -> bool:
        """Wait up to ``timeout`` seconds until every peer of the pipeline can be reached."""
        peers = (self.memory, self.runtime, self.quality)
        return all(await asyncio.gather(*(peer.reachable(timeout) for peer in peers)))

    async def close(self) -> None:
        for peer in (self.planner, self.alerts, self.memory, self.runtime, self.quality):
            await peer.close()


async def create_server(settings: ServiceSettings) -> RunningServer:
    """Start the agent-orchestrator (port 0 in settings = any free port)."""
    tuning = _tuning(settings)
    loops: list[Supervisor | Dispatcher] = []
    peers = _Peers(settings)

    def servicers(db: DatabaseConnection) -> Register:
        store = AssignmentStore(db)
        agents = agent_repository(db)
        scheduler = Scheduler(store, agents, lease=tuning.execution_lease)
        agent_service = AgentService(agents, store, tuning.execution_lease)
        if tuning.supervise_interval_seconds > 0:
            loops.append(Supervisor(HealthMonitor(store, tuning.heartbeat_timeout),
                                    scheduler, tuning.supervise_interval_seconds))
        board = MeshTaskBoard(peers.planner)
        reporter = Reporter(store, board, MeshAlerts(peers.alerts))
        dispatchers: list[Dispatcher] = []

        def wake_dispatch() -> None:
            """An execution ended: dependent tasks may be ready."""
            for dispatcher in dispatchers:
                dispatcher.wake()

        async def completed(done: Completion) -> None:
            """An agent reported the end of an execution: tell the planner now."""
            await reporter.report(done.assignment, done.execution.output)
            wake_dispatch()

        if tuning.dispatch_interval_seconds > 0:
            host = AgentHost(host_id(tuning), agent_service, store, scheduler, reporter,
                             peers.pipeline, concurrency=tuning.builtin_agent_concurrency,
                             on_done=wake_dispatch,
                             # Delivered by the service's audit publisher with the rest.
                             audit=AuditRecorder(SPEC.error_domain.split(".")[0],
                                                 AuditOutbox(db)),
                             peers_reachable=peers.pipeline_reachable,
                             peer_wait=tuning.peer_wait_seconds)
            dispatchers.append(Dispatcher(
                board, scheduler, host, reporter,
                interval=tuning.dispatch_interval_seconds,
                upkeep_interval=max(0.2, tuning.heartbeat_timeout_seconds / 3),
                wait=min(1.0, tuning.heartbeat_timeout_seconds / 3)))
            loops.extend(dispatchers)
        servicer = OrchestratorServicer(agent_service, ExecutionService(store), scheduler,
                                        completed)
        return lambda server: pb_grpc.add_OrchestratorServiceServicer_to_server(servicer, server)

    running = await start_service(SPEC, settings, MIGRATIONS, servicers)
    # Hooks run last registered first: the loops stop, then their clients close, then the
    # shared bootstrap's (audit publisher, database).
    running.on_stop.append(peers.close)
    for loop in loops:
        loop.start()
        running.on_stop.append(loop.stop)
    return running
