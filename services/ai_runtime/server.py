"""Process of the ai-runtime: its database, domain and servicer on the shared bootstrap."""

from __future__ import annotations

import pathlib

from cognition.runtime.v1 import runtime_service_pb2_grpc as pb_grpc
from services.ai_runtime.config import SPEC
from services.ai_runtime.core.experiments import ExperimentService
from services.ai_runtime.repository import experiment_repository
from services.ai_runtime.servicer import RuntimeServicer
from shared.config import ServiceSettings
from shared.database import DatabaseConnection
from shared.server import Register, RunningServer, start_service

MIGRATIONS = pathlib.Path(__file__).parent / "migrations"


def _servicers(db: DatabaseConnection) -> Register:
    servicer = RuntimeServicer(ExperimentService(experiment_repository(db)))
    return lambda server: pb_grpc.add_RuntimeServiceServicer_to_server(servicer, server)


async def create_server(settings: ServiceSettings) -> RunningServer:
    """Start the ai-runtime (port 0 in settings = any free port)."""
    return await start_service(SPEC, settings, MIGRATIONS, _servicers)
