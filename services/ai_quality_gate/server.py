"""Process of the ai-quality-gate: its database, domain and servicer on the shared bootstrap."""

from __future__ import annotations

import pathlib

from cognition.quality.v1 import quality_service_pb2_grpc as pb_grpc
from services.ai_quality_gate.config import SPEC, Settings
from services.ai_quality_gate.core.evaluation import RuleEvaluator
from services.ai_quality_gate.core.policies import PolicyService
from services.ai_quality_gate.core.validations import ValidationService
from services.ai_quality_gate.peers.critic import MeshCritic
from services.ai_quality_gate.repository import ValidationRepository, policy_repository
from services.ai_quality_gate.servicer import QualityServicer
from shared.database import DatabaseConnection
from shared.rpc.composition import Peers, ServiceParts, Started
from shared.rpc.server import RunningServer, start_service

MIGRATIONS = pathlib.Path(__file__).parent / "migrations"


def compose(settings: Settings, db: DatabaseConnection, peers: Peers) -> ServiceParts:
    """The quality gate's parts: policies and validations, whose rules run in a pool of
    worker processes (started in the background once the server serves) and whose
    cross-checks ask the AI runtime."""
    evaluator = RuleEvaluator()
    policies = policy_repository(db)
    deadline = settings.cross_check_deadline_seconds
    critic = MeshCritic(peers.client("ai-runtime", deadline=deadline), deadline)
    servicer = QualityServicer(
        PolicyService(policies, evaluator),
        ValidationService(policies, ValidationRepository(db), evaluator, critic))
    return ServiceParts(
        lambda server: pb_grpc.add_QualityServiceServicer_to_server(servicer, server),
        loops={"rule-workers": Started(evaluator.start, evaluator.close)})


async def create_server(settings: Settings) -> RunningServer:
    """Start the ai-quality-gate (port 0 in settings = any free port)."""
    return await start_service(SPEC, settings, MIGRATIONS, compose)
