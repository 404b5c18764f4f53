"""Process of the workflow-engine: its database, domain and servicer on the shared bootstrap."""

from __future__ import annotations

import pathlib

from cognition.workflow.v1 import workflow_service_pb2_grpc as pb_grpc
from services.workflow_engine.config import SPEC
from services.workflow_engine.core.workflows import WorkflowService
from services.workflow_engine.repository import WorkflowRepository
from services.workflow_engine.servicer import WorkflowServicer
from shared.config import ServiceSettings
from shared.database import DatabaseConnection
from shared.rpc.composition import Peers, ServiceParts
from shared.rpc.server import RunningServer, start_service

MIGRATIONS = pathlib.Path(__file__).parent / "migrations"


def compose(settings: ServiceSettings, db: DatabaseConnection, peers: Peers) -> ServiceParts:
    """The workflow-engine's parts: workflows."""
    servicer = WorkflowServicer(WorkflowService(WorkflowRepository(db)))
    return ServiceParts(
        lambda server: pb_grpc.add_WorkflowServiceServicer_to_server(servicer, server))


async def create_server(settings: ServiceSettings) -> RunningServer:
    """Start the workflow-engine (port 0 in settings = any free port)."""
    return await start_service(SPEC, settings, MIGRATIONS, compose)
