"""Process of the memory service: its database, domain and servicer on the shared bootstrap."""

from __future__ import annotations

import pathlib

from cognition.memory.v1 import memory_service_pb2_grpc as pb_grpc
from services.memory.config import SPEC
from services.memory.core.memories import MemoryService
from services.memory.core.namespaces import NamespaceService
from services.memory.repository import memory_repository, namespace_repository
from services.memory.servicer import MemoryServicer
from shared.config import ServiceSettings
from shared.database import DatabaseConnection
from shared.rpc.composition import Peers, ServiceParts
from shared.rpc.server import RunningServer, start_service

MIGRATIONS = pathlib.Path(__file__).parent / "migrations"


def compose(settings: ServiceSettings, db: DatabaseConnection, peers: Peers) -> ServiceParts:
    """The memory service's parts: memories and namespaces."""
    servicer = MemoryServicer(MemoryService(memory_repository(db)),
                              NamespaceService(namespace_repository(db)))
    return ServiceParts(
        lambda server: pb_grpc.add_MemoryServiceServicer_to_server(servicer, server))


async def create_server(settings: ServiceSettings) -> RunningServer:
    """Start the memory service (port 0 in settings = any free port)."""
    return await start_service(SPEC, settings, MIGRATIONS, compose)
