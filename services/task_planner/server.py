"""Process of the task-planner: its database, domain and servicer on the shared bootstrap."""

from __future__ import annotations

import asyncio
import contextlib
import datetime as dt
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
from shared.config import ServiceSettings
from shared.database import DatabaseConnection
from shared.rpc import audit
from shared.rpc.server import Register, RunningServer, peer_client, start_service

MIGRATIONS = pathlib.Path(__file__).parent / "migrations"
PLANNING_GRACE = 2.0  # seconds a stopping planner lets a draft in flight finish


def _tuning(settings: ServiceSettings) -> Settings:
    """The planner's own settings (defaults when given plain service settings)."""
    if isinstance(settings, Settings):
        return settings
    return Settings.model_validate(settings.model_dump())


def plan_validator(settings: ServiceSettings, budget: BudgetCheck = always_fits
                   ) -> PlanValidator:
    """The validator of drafted plans, configured by the planner's own settings if given."""
    if not isinstance(settings, Settings):
        return PlanValidator(budget=budget)
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


async def create_server(settings: ServiceSettings) -> RunningServer:
    """Start the task-planner (port 0 in settings = any free port) and its planning loop."""
    tuning = _tuning(settings)
    claimant = Claimant(replica_id(tuning))
    lease = tuning.claim_lease_seconds
    runtime = peer_client(settings, SPEC, "ai-runtime", deadline=60)
    validator = plan_validator(settings, RuntimeBudget(runtime, SPEC.name))
    drafter = RuntimePlanDrafter(runtime, SPEC.name)
    planning: list[GoalPlanning] = []

    def servicers(db: DatabaseConnection) -> Register:
        goals = goal_repository(db)
        plans = PlanService(goals, PlanRepository(db, goals), validator,
                            max_replans=tuning.max_replans, audited_call=audit.serving)
        queue = PendingGoalQueue(goals, claimant, dt.timedelta(seconds=lease))
        planning.append(GoalPlanning(queue, plans, drafter, renew_every=lease / 3))
        servicer = PlannerServicer(GoalService(goals), plans, planning[0].wake)
        return lambda server: pb_grpc.add_PlannerServiceServicer_to_server(servicer, server)

    running = await start_service(SPEC, settings, MIGRATIONS, servicers)
    # Hooks run last registered first: the planning loop stops, then its runtime client closes.
    running.on_stop.append(runtime.close)
    interval = tuning.planning_interval_seconds
    if interval > 0:
        stop = asyncio.Event()
        loop = asyncio.get_running_loop().create_task(planning[0].run(stop, interval))

        async def stop_planning() -> None:
            stop.set()
            done, _ = await asyncio.wait({loop}, timeout=PLANNING_GRACE)
            if not done:
                # A draft still waiting on the runtime: its goal is claimed again by this
                # replica's next process, or by another once the claim runs out (see
                # PendingGoalQueue).
                loop.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await loop

        running.on_stop.append(stop_planning)
    return running
