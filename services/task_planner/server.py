"""Process of the task-planner: database, domain, servicer, and the shared server bootstrap."""

from __future__ import annotations

import pathlib

from cognition.planner.v1 import planner_service_pb2_grpc as pb_grpc
from shared.config import ServiceSettings
from shared.database import DatabaseConnection
from shared.database.migrations import upgrade
from shared.server import RunningServer, run_until_signal
from shared.server import create_server as create_grpc_server
from services.task_planner.config import SPEC
from services.task_planner.core.goals import GoalService
from services.task_planner.repository import goal_repository
from services.task_planner.servicer import PlannerServicer

MIGRATIONS = pathlib.Path(__file__).parent / "migrations"


async def create_server(settings: ServiceSettings) -> RunningServer:
    """Migrate the database, wire the domain and start serving (port 0 = any free port)."""
    db = DatabaseConnection(settings.resolved_database_url(SPEC), schema=SPEC.package)
    await upgrade(db, MIGRATIONS)
    servicer = PlannerServicer(GoalService(goal_repository(db)))
    running = await create_grpc_server(
        SPEC, settings, lambda server: pb_grpc.add_PlannerServiceServicer_to_server(servicer, server))
    running.on_stop.append(db.dispose)
    return running


async def serve(settings: ServiceSettings) -> None:
    """Serve until SIGTERM/SIGINT."""
    running = await create_server(settings)
    await run_until_signal(running, settings.grace_seconds)
