"""Process of the task-planner: its database, domain and servicer on the shared bootstrap."""

from __future__ import annotations

import asyncio
import contextlib
import pathlib

from cognition.planner.v1 import planner_service_pb2_grpc as pb_grpc
from cognition.runtime.v1 import runtime_service_pb2_grpc
from services.task_planner.budget import RuntimeBudget
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
from services.task_planner.drafter import RuntimePlanDrafter
from services.task_planner.repository import PendingGoalQueue, PlanRepository, goal_repository
from services.task_planner.servicer import PlannerServicer
from shared.config import ServiceSettings
from shared.database import DatabaseConnection
from shared.server import Register, RunningServer, peer_client, start_service

MIGRATIONS = pathlib.Path(__file__).parent / "migrations"
PLANNING_GRACE = 2.0  # seconds a stopping planner lets a draft in flight finish


def plan_validator(settings: ServiceSettings, budget: BudgetCheck = always_fits
                   ) -> PlanValidator:
    """The validator of drafted plans, configured by the planner's own settings if given."""
    if not isinstance(settings, Settings):
        return PlanValidator(budget=budget)
    return PlanValidator(known_tools=settings.known_tools,
                         custom_roles=settings.custom_agent_roles,
                         limits=PlanLimits(max_tasks=settings.max_plan_tasks), budget=budget)


async def create_server(settings: ServiceSettings) -> RunningServer:
    """Start the task-planner (port 0 in settings = any free port) and its planning loop."""
    runtime = peer_client(settings, SPEC, "ai-runtime", runtime_service_pb2_grpc.RuntimeServiceStub,
                          deadline=60)
    validator = plan_validator(settings, RuntimeBudget(runtime, SPEC.name))
    drafter = RuntimePlanDrafter(runtime, SPEC.name)
    planning: list[GoalPlanning] = []

    def servicers(db: DatabaseConnection) -> Register:
        goals = goal_repository(db)
        plans = PlanService(goals, PlanRepository(db, goals), validator,
                            max_replans=settings.max_replans
                            if isinstance(settings, Settings) else 1)
        planning.append(GoalPlanning(PendingGoalQueue(goals), plans, drafter))
        servicer = PlannerServicer(GoalService(goals), plans, planning[0].wake)
        return lambda server: pb_grpc.add_PlannerServiceServicer_to_server(servicer, server)

    running = await start_service(SPEC, settings, MIGRATIONS, servicers)
    # Hooks run last registered first: the planning loop stops, then its runtime client closes.
    running.on_stop.append(runtime.close)
    interval = settings.planning_interval_seconds if isinstance(settings, Settings) else 0.5
    if interval > 0:
        stop = asyncio.Event()
        loop = asyncio.get_running_loop().create_task(planning[0].run(stop, interval))

        async def stop_planning() -> None:
            stop.set()
            done, _ = await asyncio.wait({loop}, timeout=PLANNING_GRACE)
            if not done:
                # A draft still waiting on the runtime: its goal is claimed again once the
                # claim runs out (see PendingGoalQueue).
                loop.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await loop

        running.on_stop.append(stop_planning)
    return running
