"""Process of the explainability service: its database, domain, audit-log client and servicer
on the shared bootstrap."""

from __future__ import annotations

import pathlib
from collections.abc import Callable

from cognition.explain.v1 import explain_service_pb2_grpc as pb_grpc
from services.explainability.config import SPEC
from services.explainability.core.explanations import ExplanationService
from services.explainability.peers.audit_trail import AuditLogTrail
from services.explainability.repository import explanation_repository
from services.explainability.servicer import ExplainServicer
from shared.config import ServiceSettings
from shared.database import DatabaseConnection
from shared.mesh.client import ServiceClient
from shared.rpc.server import Register, RunningServer, peer_client, start_service

MIGRATIONS = pathlib.Path(__file__).parent / "migrations"


def _servicers(audit: ServiceClient) -> Callable[[DatabaseConnection], Register]:
    def build(db: DatabaseConnection) -> Register:
        servicer = ExplainServicer(
            ExplanationService(explanation_repository(db), AuditLogTrail(audit)))
        return lambda server: pb_grpc.add_ExplainServiceServicer_to_server(servicer, server)

    return build


async def create_server(settings: ServiceSettings) -> RunningServer:
    """Start the explainability service (port 0 in settings = any free port)."""
    audit = peer_client(settings, SPEC, "audit-log")
    try:
        running = await start_service(SPEC, settings, MIGRATIONS, _servicers(audit))
    except BaseException:
        await audit.close()
        raise
    running.on_stop.append(audit.close)
    return running
