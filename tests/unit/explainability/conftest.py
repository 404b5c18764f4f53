"""A migrated explainability database, and a fake audit-log served on a real port."""

from __future__ import annotations

import datetime as dt
import pathlib
from collections.abc import AsyncIterator

import grpc
import pytest

from cognition.audit.v1 import audit_entry_pb2
from cognition.audit.v1 import audit_service_pb2 as audit_pb
from cognition.audit.v1 import audit_service_pb2_grpc as audit_grpc
from services.explainability.server import MIGRATIONS
from shared.database import DatabaseConnection
from shared.database.migrations import upgrade
from shared.proto.fields import timestamp

T0 = dt.datetime(2026, 3, 1, 9, 0, tzinfo=dt.UTC)


@pytest.fixture
async def db(tmp_path: pathlib.Path) -> AsyncIterator[DatabaseConnection]:
    connection = DatabaseConnection(f"sqlite+aiosqlite:///{tmp_path}/explain.db")
    await upgrade(connection, MIGRATIONS)
    yield connection
    await connection.dispose()


class FakeAuditService(audit_grpc.AuditServiceServicer):
    """Serves ListAuditEntries over a fixed list of entries, newest first, by resource."""

    def __init__(self) -> None:
        self.entries: list[audit_entry_pb2.AuditEntry] = []
        self.requests: list[audit_pb.ListAuditEntriesRequest] = []

    def record(self, tenant: str, actor: str, action: str, resource: str,
               outcome: int = audit_entry_pb2.OUTCOME_SUCCESS, trace_id: str = "") -> None:
        sequence = len(self.entries) + 1
        self.entries.append(audit_entry_pb2.AuditEntry(
            name=f"tenants/{tenant}/auditEntries/e{sequence}", actor=actor, action=action,
            resource=resource, outcome=outcome, trace_id=trace_id, sequence=sequence,
            create_time=timestamp(T0 + dt.timedelta(minutes=sequence))))

    async def ListAuditEntries(self, request: audit_pb.ListAuditEntriesRequest,
                               context: grpc.aio.ServicerContext,
                               ) -> audit_pb.ListAuditEntriesResponse:
        self.requests.append(request)
        tenant = request.parent.removeprefix("tenants/")
        matching = [e for e in reversed(self.entries)
                    if e.name.startswith(f"tenants/{tenant}/")
                    and (not request.resource or e.resource == request.resource)]
        start = int(request.page_token or 0)
        end = start + (request.page_size or 50)
        return audit_pb.ListAuditEntriesResponse(
            audit_entries=matching[start:end],
            next_page_token=str(end) if end < len(matching) else "")


@pytest.fixture
async def fake_audit() -> AsyncIterator[tuple[FakeAuditService, str]]:
    """The fake and the ``host:port`` it listens on."""
    service = FakeAuditService()
    server = grpc.aio.server()
    audit_grpc.add_AuditServiceServicer_to_server(service, server)
    port = server.add_insecure_port("127.0.0.1:0")
    await server.start()
    yield service, f"127.0.0.1:{port}"
    await server.stop(0)
