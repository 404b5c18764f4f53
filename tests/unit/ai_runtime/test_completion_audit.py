"""A completion's audit entry is written in the completion's own transaction: it commits with
the completion or not at all."""

from __future__ import annotations

import sqlalchemy as sa

from cognition.runtime.v1 import runtime_service_pb2 as pb
from services.ai_runtime.core.models import Completion
from services.ai_runtime.repository import completion_repository
from shared import context
from shared.database import DatabaseConnection
from shared.database.audit_outbox import AuditOutbox, audit_outbox
from shared.rpc import audit
from shared.rpc.audit import AuditRecorder

COMPLETE = "/cognition.runtime.v1.RuntimeService/Complete"


def completion(id_: str, request_id: str) -> Completion:
    return Completion(tenant="acme", id=id_, role="executor", provider="offline",
                      model="offline-deterministic-v1", prompt_version="executor/v1",
                      output="{}", request_id=request_id)


async def outbox(db: DatabaseConnection) -> list[tuple[str, str, str]]:
    async with db.connect() as conn:
        rows = await conn.execute(sa.select(audit_outbox.c.action, audit_outbox.c.outcome,
                                            audit_outbox.c.resource)
                                  .order_by(audit_outbox.c.create_time))
        return [tuple(row) for row in rows]  # type: ignore[misc]


async def test_the_entry_commits_with_the_completion(db: DatabaseConnection) -> None:
    recorder = AuditRecorder("runtime", AuditOutbox(db))
    request = pb.CompleteRequest(parent="tenants/acme", role="executor", request_id="r-1")
    with recorder.serving(COMPLETE, request) as call:
        await completion_repository(db).record(completion("c1", "r-1"))
    assert call.written
    assert await outbox(db) == [("runtime.complete", "SUCCESS", "tenants/acme/completions/c1")]


async def test_a_completion_not_stored_leaves_the_entry_to_the_rpc_boundary(
        db: DatabaseConnection) -> None:
    """The same request id again: the first completion is returned, the transaction that
    wrote the entry rolled back, and the call's entry is still to be written."""
    recorder = AuditRecorder("runtime", AuditOutbox(db))
    repository = completion_repository(db)
    await repository.record(completion("c1", "r-1"))  # no call being served: no entry
    request = pb.CompleteRequest(parent="tenants/acme", role="executor", request_id="r-1")
    with recorder.serving(COMPLETE, request) as call:
        first = await repository.record(completion("c2", "r-1"))
    assert first.id == "c1"
    assert not call.written
    assert await outbox(db) == []
    assert audit.serving() is None


async def test_the_entry_names_its_own_caller_when_another_task_writes_it(
        db: DatabaseConnection) -> None:
    """A group commit writes a batch in the task of whoever submitted first."""
    recorder = AuditRecorder("runtime", AuditOutbox(db))
    request = pb.CompleteRequest(parent="tenants/acme", role="executor", request_id="r-1")
    caller = context.CallContext(tenant="acme", subject="tenants/acme/users/ann",
                                 trace_id="a" * 32)
    with context.bind(caller), recorder.serving(COMPLETE, request) as call:
        pass
    writer = context.CallContext(tenant="acme", subject="tenants/acme/users/bob",
                                 trace_id="b" * 32)
    with context.bind(writer):
        async with db.transaction() as conn:
            await call.write_in(conn, "tenants/acme/completions/c1")
    async with db.connect() as conn:
        row = (await conn.execute(sa.select(audit_outbox.c.actor, audit_outbox.c.trace_id))
               ).one()
    assert tuple(row) == ("tenants/acme/users/ann", "a" * 32)
