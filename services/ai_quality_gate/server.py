"""Process of the ai-quality-gate: its database, domain and servicer on the shared bootstrap."""

from __future__ import annotations

import pathlib
from collections.abc import Callable

from cognition.quality.v1 import quality_service_pb2_grpc as pb_grpc
from services.ai_quality_gate.config import SPEC
from services.ai_quality_gate.core.evaluation import RuleEvaluator
from services.ai_quality_gate.core.policies import PolicyService
from services.ai_quality_gate.core.validations import ValidationService
from services.ai_quality_gate.repository import ValidationRepository, policy_repository
from services.ai_quality_gate.servicer import QualityServicer
from shared.config import ServiceSettings
from shared.database import DatabaseConnection
from shared.rpc.server import Register, RunningServer, start_service

MIGRATIONS = pathlib.Path(__file__).parent / "migrations"


def _servicers(evaluator: RuleEvaluator) -> Callable[[DatabaseConnection], Register]:
    def build(db: DatabaseConnection) -> Register:
        policies = policy_repository(db)
        servicer = QualityServicer(
            PolicyService(policies, evaluator),
            ValidationService(policies, ValidationRepository(db), evaluator))
        return lambda server: pb_grpc.add_QualityServiceServicer_to_server(servicer, server)
    return build


async def create_server(settings: ServiceSettings) -> RunningServer:
    """Start the ai-quality-gate (port 0 in settings = any free port)."""
    evaluator = RuleEvaluator()
    try:
        running = await start_service(SPEC, settings, MIGRATIONS, _servicers(evaluator))
    except BaseException:
        await evaluator.close()
        raise
    evaluator.start()
    running.on_stop.append(evaluator.close)
    return running
