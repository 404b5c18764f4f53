"""Process of the ai-quality-gate: its database, domain and servicer on the shared bootstrap."""

from __future__ import annotations

import pathlib

from cognition.quality.v1 import quality_service_pb2_grpc as pb_grpc
from services.ai_quality_gate.config import SPEC
from services.ai_quality_gate.core.policies import PolicyService
from services.ai_quality_gate.core.validations import ValidationService
from services.ai_quality_gate.repository import ValidationRepository, policy_repository
from services.ai_quality_gate.servicer import QualityServicer
from shared.config import ServiceSettings
from shared.database import DatabaseConnection
from shared.server import Register, RunningServer, start_service

MIGRATIONS = pathlib.Path(__file__).parent / "migrations"


def _servicers(db: DatabaseConnection) -> Register:
    policies = policy_repository(db)
    servicer = QualityServicer(PolicyService(policies),
                               ValidationService(policies, ValidationRepository(db)))
    return lambda server: pb_grpc.add_QualityServiceServicer_to_server(servicer, server)


async def create_server(settings: ServiceSettings) -> RunningServer:
    """Start the ai-quality-gate (port 0 in settings = any free port)."""
    return await start_service(SPEC, settings, MIGRATIONS, _servicers)
