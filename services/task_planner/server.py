"""Process of the task-planner: its database, domain and servicer on the shared bootstrap."""

from __future__ import annotations

import pathlib

from cognition.planner.v1 import planner_service_pb2_grpc as pb_grpc
from services.task_planner.config import SPEC
from services.task_planner.core.goals import GoalService
from services.task_planner.repository import goal_repository
from services.task_planner.servicer import PlannerServicer
from shared.config import ServiceSettings
from shared.database import DatabaseConnection
from shared.server import Register, RunningServer, start_service

MIGRATIONS = pathlib.Path(__file__).parent / "migrations"


def _servicers(db: DatabaseConnection) -> Register:
    servicer = PlannerServicer(GoalService(goal_repository(db)))
    return lambda server: pb_grpc.add_PlannerServiceServicer_to_server(servicer, server)


async def create_server(settings: ServiceSettings) -> RunningServer:
    """Start the task-planner (port 0 in settings = any free port)."""
    return await start_service(SPEC, settings, MIGRATIONS, _servicers)
