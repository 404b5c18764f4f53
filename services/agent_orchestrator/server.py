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
from services.agent_orchestrator.peers.tools import MeshToolBox
from services.agent_orchestrator.repository import AssignmentStore, agent_repository
from services.agent_orchestrator.servicer import OrchestratorServicer
from shared.agents.pipeline import AgentPipeline, ResultStore
from shared.database import DatabaseConnection
from shared.database.audit_outbox import AuditOutbox
from shared.mesh.client import ChannelFactory, mesh_channel
from shared.rpc.audit import AuditRecorder
from shared.rpc.composition import BackgroundLoop, Peers, ServiceParts
from shared.rpc.server import RunningServer, start_service

MIGRATIONS = pathlib.Path(__file__).parent / "migrations"
# Model calls may take long (a real provider, or a simulated latency).
MODEL_DEADLINE = 120.0


def host_id(tuning: Settings) -> str:
    """This replica's stable id: configured, or derived from host name and port."""
    if tuning.host_id:
        return tuning.host_id
    seed = f"{socket.gethostname()}:{tuning.port}"
    return hashlib.sha256(seed.encode()).hexdigest()[:10]


class _PipelinePeers:
    """The peers the dispatch loop and the agent pipeline call, from the service's Peers."""

    def __init__(self, peers: Peers) -> None:
        self.planner = peers.client("task-planner", deadline=10.0)
        self.alerts = peers.client("observability", deadline=10.0)
        self.memory = peers.client("memory", deadline=10.0)
        self.runtime = peers.client("ai-runtime", deadline=MODEL_DEADLINE)
        self.quality = peers.client("ai-quality-gate", deadline=10.0)
        self.tool_runner = peers.client("tool-runner", deadline=10.0)

        self._context = MeshMemory(self.memory)
        self._models = MeshModels(self.runtime)
        self._gate = MeshQualityGate(self.quality)
        self._tools = MeshToolBox(self.tool_runner)

    def pipeline(self, results: ResultStore) -> AgentRunner:
        return AgentPipeline(self._context, self._models, self._gate, results, self._tools)

    async def pipeline_reachable(self, timeout: float) -> bool:
        """Wait up to ``timeout`` seconds until every peer of the pipeline can be reached."""
        peers = (self.memory, self.runtime, self.quality, self.tool_runner)
        return all(await asyncio.gather(*(peer.reachable(timeout) for peer in peers)))


def compose(settings: Settings, db: DatabaseConnection, peers: Peers) -> ServiceParts:
    """The agent-orchestrator's parts: agents, assignments and executions; the supervision
    loop (silent agents marked unhealthy, their work handed back) and the dispatch loop
    (ready tasks assigned and run by the built-in agents through the agent pipeline)."""
    mesh = _PipelinePeers(peers)
    store = AssignmentStore(db)
    agents = agent_repository(db)
    scheduler = Scheduler(store, agents, lease=settings.execution_lease)
    agent_service = AgentService(agents, store, settings.execution_lease)
    board = MeshTaskBoard(mesh.planner)
    reporter = Reporter(store, board, MeshAlerts(mesh.alerts))
    loops: dict[str, BackgroundLoop] = {}
    if settings.supervise_interval_seconds > 0:
        loops["agent-supervision"] = Supervisor(
            HealthMonitor(store, settings.heartbeat_timeout), scheduler,
            settings.supervise_interval_seconds)
    wake = _DispatchWake()
    if settings.dispatch_interval_seconds > 0:
        host = AgentHost(host_id(settings), agent_service, store, scheduler, reporter,
                         mesh.pipeline, concurrency=settings.builtin_agent_concurrency,
                         on_done=wake,
                         # Delivered by the service's audit publisher with the rest.
                         audit=AuditRecorder(SPEC.error_domain.split(".")[0], AuditOutbox(db)),
                         peers_reachable=mesh.pipeline_reachable,
                         peer_wait=settings.peer_wait_seconds)
        wake.dispatcher = Dispatcher(
            board, scheduler, host, reporter, interval=settings.dispatch_interval_seconds,
            upkeep_interval=max(0.2, settings.heartbeat_timeout_seconds / 3),
            wait=min(1.0, settings.heartbeat_timeout_seconds / 3))
        loops["dispatch"] = wake.dispatcher
    servicer = OrchestratorServicer(agent_service, ExecutionService(store), scheduler,
                                    _Completions(reporter, wake).completed)
    return ServiceParts(
        lambda server: pb_grpc.add_OrchestratorServiceServicer_to_server(servicer, server),
        loops=loops)


class _DispatchWake:
    """Wakes the dispatch loop, when the service runs one: an execution ended, so dependent
    tasks may be ready."""

    dispatcher: Dispatcher | None = None

    def __call__(self) -> None:
        if self.dispatcher is not None:
            self.dispatcher.wake()


class _Completions:
    """An agent reported the end of an execution: tell the planner now, and wake the dispatch
    loop."""

    def __init__(self, reporter: Reporter, wake: _DispatchWake) -> None:
        self._reporter = reporter
        self._wake = wake

    async def completed(self, done: Completion) -> None:
        await self._reporter.report(done.assignment, done.execution.output)
        self._wake()


async def create_server(settings: Settings, *,
                        channel_factory: ChannelFactory = mesh_channel) -> RunningServer:
    """Start the agent-orchestrator (port 0 in settings = any free port);
    ``channel_factory`` opens the channels to its peers (tests serve them in process)."""
    return await start_service(SPEC, settings, MIGRATIONS, compose,
                               channel_factory=channel_factory)
