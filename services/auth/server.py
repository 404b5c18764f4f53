"""Process of the auth service: its database, domain and servicer on the shared bootstrap."""

from __future__ import annotations

import pathlib

from cognition.auth.v1 import auth_service_pb2_grpc as pb_grpc
from services.auth.config import SPEC
from services.auth.core.passwords import PasswordHashing
from services.auth.core.tenants import TenantService
from services.auth.core.users import UserService
from services.auth.repository import tenant_repository, user_repository
from services.auth.servicer import AuthServicer
from shared.config import ServiceSettings
from shared.database import DatabaseConnection
from shared.server import Register, RunningServer, start_service

MIGRATIONS = pathlib.Path(__file__).parent / "migrations"


def _servicers(db: DatabaseConnection) -> Register:
    servicer = AuthServicer(UserService(user_repository(db), PasswordHashing()),
                            TenantService(tenant_repository(db)))
    return lambda server: pb_grpc.add_AuthServiceServicer_to_server(servicer, server)


async def create_server(settings: ServiceSettings) -> RunningServer:
    """Start the auth service (port 0 in settings = any free port)."""
    return await start_service(SPEC, settings, MIGRATIONS, _servicers)
