"""Process of the observability service: its database, domain and servicer on the shared
bootstrap."""

from __future__ import annotations

import pathlib

from cognition.observability.v1 import observability_service_pb2_grpc as pb_grpc
from services.observability.config import SPEC
from services.observability.core.alert_rules import AlertRuleService
from services.observability.core.alerts import AlertService
from services.observability.repository import AlertRepository, alert_rule_repository
from services.observability.servicer import ObservabilityServicer
from shared.config import ServiceSettings
from shared.database import DatabaseConnection
from shared.rpc.composition import Peers, ServiceParts
from shared.rpc.server import RunningServer, start_service

MIGRATIONS = pathlib.Path(__file__).parent / "migrations"


def compose(settings: ServiceSettings, db: DatabaseConnection, peers: Peers) -> ServiceParts:
    """The observability service's parts: alert rules and alerts."""
    servicer = ObservabilityServicer(AlertRuleService(alert_rule_repository(db)),
                                     AlertService(AlertRepository(db)))
    return ServiceParts(
        lambda server: pb_grpc.add_ObservabilityServiceServicer_to_server(servicer, server))


async def create_server(settings: ServiceSettings) -> RunningServer:
    """Start the observability service (port 0 in settings = any free port)."""
    return await start_service(SPEC, settings, MIGRATIONS, compose)
