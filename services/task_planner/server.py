"""Process of the task-planner: its database, domain and servicer on the shared bootstrap."""

from __future__ import annotations

import datetime as dt
import functools
import hashlib
import pathlib
import secrets
import socket

from cognition.planner.v1 import planner_service_pb2_grpc as pb_grpc
from services.task_planner.config import SPEC, Settings
from services.task_planner.core.drafting import GoalPlanning
from services.task_planner.core.goals import GoalService
from services.task_planner.core.plans import PlanService
from services.task_planner.core.validation import (
    BudgetCheck,
    PlanLimits,
    PlanValidator,
    always_fits,
)
from services.task_planner.peers.budget import RuntimeBudget
from services.task_planner.peers.drafter import RuntimePlanDrafter
from services.task_planner.repository import (
    Claimant,
    PendingGoalQueue,
    PlanRepository,
    goal_repository,
)
from services.task_planner.servicer import PlannerServicer
from shared.database import DatabaseConnection
from shared.mesh.client import ChannelFactory, mesh_channel
from shared.rpc import audit
from shared.rpc.composition import LoopTask, Peers, ServiceParts
from shared.rpc.server import RunningServer, start_service

MIGRATIONS = pathlib.Path(__file__).parent / "migrations"
PLANNING_GRACE = 2.0  # seconds a stopping planner lets a draft in flight finish


def plan_validator(settings: Settings, budget: BudgetCheck = always_fits) -> PlanValidator:
    """The validator of drafted plans, configured by the planner's settings."""
    return PlanValidator(known_tools=settings.known_tools,
                         custom_roles=settings.custom_agent_roles,
                         limits=PlanLimits(max_tasks=settings.max_plan_tasks), budget=budget)


def replica_id(tuning: Settings) -> str:
    """This replica's id, the same across its restarts: configured, or derived from host name
    and listen port (random on any free port, where a restarted replica is another)."""
    if tuning.replica_id:
        return tuning.replica_id
    port = tuning.listen_port(SPEC)
    if port == 0:
        return secrets.token_hex(5)
    return hashlib.sha256(f"{socket.gethostname()}:{port}".encode()).hexdigest()[:10]


def compose(settings: Settings, db: DatabaseConnection, peers: Peers) -> ServiceParts:
    """The task-planner's parts: goals and plans, and the planning loop that has the planner
    agent (through the AI runtime) draft the plans of pending goals."""
    runtime = peers.client("ai-runtime", deadline=60)
    lease = settings.claim_lease_seconds
    goals = goal_repository(db)
    plans = PlanService(goals, PlanRepository(db, goals),
                        plan_validator(settings, RuntimeBudget(runtime, SPEC.name)),
                        max_replans=settings.max_replans, audited_call=audit.serving)
    queue = PendingGoalQueue(goals, Claimant(replica_id(settings)), dt.timedelta(seconds=lease))
    planning = GoalPlanning(queue, plans, RuntimePlanDrafter(runtime, SPEC.name),
                            renew_every=lease / 3)
    servicer = PlannerServicer(GoalService(goals, plans), plans, planning.wake)
    interval = settings.planning_interval_seconds
    # A draft still waiting on the runtime when the planner stops is cancelled after the
    # grace: its goal is claimed again by this replica's next process, or by another once the
    # claim runs out (see PendingGoalQueue).
    loops = {"planning": LoopTask("goal-planning", functools.partial(planning.run,
                                                                     interval=interval),
                                  grace=PLANNING_GRACE)} if interval > 0 else {}
    return ServiceParts(
        lambda server: pb_grpc.add_PlannerServiceServicer_to_server(servicer, server),
        loops=loops)


async def create_server(settings: Settings, *,
                        channel_factory: ChannelFactory = mesh_channel) -> RunningServer:
    """Start the task-planner (port 0 in settings = any free port) and its planning loop;
    ``channel_factory`` opens the channels to its peers (tests serve them in process)."""
    return await start_service(SPEC, settings, MIGRATIONS, compose,
                               channel_factory=channel_factory)
