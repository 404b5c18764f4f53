"""Process of the task-planner: its database, domain and servicer on the shared bootstrap."""

from __future__ import annotations

import pathlib

from cognition.planner.v1 import planner_service_pb2_grpc as pb_grpc
from services.task_planner.config import SPEC, Settings
from services.task_planner.core.goals import GoalService
from services.task_planner.core.plans import PlanService
from services.task_planner.core.validation import PlanLimits, PlanValidator
from services.task_planner.repository import PlanRepository, goal_repository
from services.task_planner.servicer import PlannerServicer
from shared.config import ServiceSettings
from shared.database import DatabaseConnection
from shared.server import Register, RunningServer, start_service

MIGRATIONS = pathlib.Path(__file__).parent / "migrations"


def plan_validator(settings: ServiceSettings) -> PlanValidator:
    """The validator of drafted plans, configured by the planner's own settings if given."""
    if not isinstance(settings, Settings):
        return PlanValidator()
    return PlanValidator(known_tools=settings.known_tools,
                         custom_roles=settings.custom_agent_roles,
                         limits=PlanLimits(max_tasks=settings.max_plan_tasks))


async def create_server(settings: ServiceSettings) -> RunningServer:
    """Start the task-planner (port 0 in settings = any free port)."""
    validator = plan_validator(settings)

    def servicers(db: DatabaseConnection) -> Register:
        goals = goal_repository(db)
        plans = PlanService(goals, PlanRepository(db, goals), validator)
        servicer = PlannerServicer(GoalService(goals), plans)
        return lambda server: pb_grpc.add_PlannerServiceServicer_to_server(servicer, server)

    return await start_service(SPEC, settings, MIGRATIONS, servicers)
