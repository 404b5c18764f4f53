"""Process of the audit-log: its database, domain and servicer on the shared bootstrap."""

from __future__ import annotations

import pathlib

from cognition.audit.v1 import audit_service_pb2_grpc as pb_grpc
from services.audit_log.config import SPEC
from services.audit_log.core.log import AuditLog
from services.audit_log.repository import AuditEntryRepository
from services.audit_log.servicer import AuditServicer
from shared.config import ServiceSettings
from shared.database import DatabaseConnection
from shared.server import Register, RunningServer, start_service

MIGRATIONS = pathlib.Path(__file__).parent / "migrations"


def _servicers(db: DatabaseConnection) -> Register:
    servicer = AuditServicer(AuditLog(AuditEntryRepository(db)))
    return lambda server: pb_grpc.add_AuditServiceServicer_to_server(servicer, server)


async def create_server(settings: ServiceSettings) -> RunningServer:
    """Start the audit-log (port 0 in settings = any free port)."""
    return await start_service(SPEC, settings, MIGRATIONS, _servicers)
