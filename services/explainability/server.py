"""Process of the explainability service: its database, domain, audit-log client and servicer
on the shared bootstrap."""

from __future__ import annotations

import pathlib

from cognition.explain.v1 import explain_service_pb2_grpc as pb_grpc
from services.explainability.config import SPEC
from services.explainability.core.explanations import ExplanationService
from services.explainability.peers.audit_trail import AuditLogTrail
from services.explainability.repository import explanation_repository
from services.explainability.servicer import ExplainServicer
from shared.config import ServiceSettings
from shared.database import DatabaseConnection
from shared.mesh.client import ChannelFactory, mesh_channel
from shared.rpc.composition import Peers, ServiceParts
from shared.rpc.server import RunningServer, start_service

MIGRATIONS = pathlib.Path(__file__).parent / "migrations"


def compose(settings: ServiceSettings, db: DatabaseConnection, peers: Peers) -> ServiceParts:
    """The explainability service's parts: explanations, told from the audit log's trail."""
    trail = AuditLogTrail(peers.client("audit-log"))
    servicer = ExplainServicer(ExplanationService(explanation_repository(db), trail))
    return ServiceParts(
        lambda server: pb_grpc.add_ExplainServiceServicer_to_server(servicer, server))


async def create_server(settings: ServiceSettings, *,
                        channel_factory: ChannelFactory = mesh_channel) -> RunningServer:
    """Start the explainability service (port 0 in settings = any free port);
    ``channel_factory`` opens the channels to its peers (tests serve them in process)."""
    return await start_service(SPEC, settings, MIGRATIONS, compose,
                               channel_factory=channel_factory)
