"""Process of the tool-runner: its database, domain and servicer on the shared bootstrap."""

from __future__ import annotations

import pathlib

from cognition.tools.v1 import tools_service_pb2_grpc as pb_grpc
from services.tool_runner.config import SPEC
from services.tool_runner.core.tools import ToolService
from services.tool_runner.repository import tool_repository
from services.tool_runner.servicer import ToolServicer
from shared.config import ServiceSettings
from shared.database import DatabaseConnection
from shared.rpc.composition import Peers, ServiceParts
from shared.rpc.server import RunningServer, start_service

MIGRATIONS = pathlib.Path(__file__).parent / "migrations"


def compose(settings: ServiceSettings, db: DatabaseConnection, peers: Peers) -> ServiceParts:
    """The tool-runner's parts: tools."""
    servicer = ToolServicer(ToolService(tool_repository(db)))
    return ServiceParts(lambda server: pb_grpc.add_ToolServiceServicer_to_server(servicer, server))


async def create_server(settings: ServiceSettings) -> RunningServer:
    """Start the tool-runner (port 0 in settings = any free port)."""
    return await start_service(SPEC, settings, MIGRATIONS, compose)
