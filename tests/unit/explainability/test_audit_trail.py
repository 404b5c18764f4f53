from __future__ import annotations

import socket

import pytest

from cognition.audit.v1 import audit_entry_pb2
from services.explainability.peers.audit_trail import AuditLogTrail
from shared.errors import Unavailable
from shared.mesh.client import ServiceClient
from tests.unit.explainability.conftest import T0, FakeAuditService


async def test_reads_every_page_oldest_first(fake_audit: tuple[FakeAuditService, str],
                                             monkeypatch: pytest.MonkeyPatch) -> None:
    service, address = fake_audit
    monkeypatch.setattr("services.explainability.peers.audit_trail.PAGE_SIZE", 2)
    for i in range(5):
        service.record("acme", f"user{i}", "planner.goal.update", "tenants/acme/goals/g1",
                       outcome=audit_entry_pb2.OUTCOME_FAILURE)
    service.record("acme", "bob", "planner.goal.create", "tenants/acme/goals/g2")
    client = ServiceClient(address)
    try:
        records = await AuditLogTrail(client).actions_on("acme", "tenants/acme/goals/g1")
    finally:
        await client.close()
    assert [r.actor for r in records] == [f"user{i}" for i in range(5)]
    assert records[0].outcome == "FAILURE"
    assert records[0].time.tzinfo is not None and records[0].time > T0
    assert len(service.requests) == 3
    assert {r.resource for r in service.requests} == {"tenants/acme/goals/g1"}
    assert {r.parent for r in service.requests} == {"tenants/acme"}


async def test_unreachable_audit_log_is_unavailable() -> None:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    client = ServiceClient(f"127.0.0.1:{port}", deadline=2.0)
    try:
        with pytest.raises(Unavailable):
            await AuditLogTrail(client).actions_on("acme", "tenants/acme/goals/g1")
    finally:
        await client.close()
