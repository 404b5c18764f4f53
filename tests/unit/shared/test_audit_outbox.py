"""An audit entry the store refuses costs only its own record, never those of the calls
written in the same batch; entries are fitted to what the audit log can hold."""

from __future__ import annotations

import asyncio
import pathlib
from collections.abc import AsyncIterator

import pytest

from cognition.planner.v1 import planner_service_pb2
from shared import context
from shared.database import DatabaseConnection
from shared.database.audit_outbox import AuditOutbox, OutboxEntry, metadata
from shared.rpc.audit import AuditRecorder

DELETE_GOAL = "/cognition.planner.v1.PlannerService/DeleteGoal"


@pytest.fixture(params=["sqlite", "postgresql"])
async def db(request: pytest.FixtureRequest, tmp_path: pathlib.Path
             ) -> AsyncIterator[DatabaseConnection]:
    if request.param == "sqlite":
        database = DatabaseConnection(f"sqlite+aiosqlite:///{tmp_path}/outbox.db")
    else:
        url = request.getfixturevalue("postgres_url")
        database = DatabaseConnection(url, schema=request.getfixturevalue("postgres_schema"))
        await database.ensure_schema()
    async with database.engine.begin() as conn:
        await conn.run_sync(metadata.create_all)
    yield database
    await database.dispose()


def entry(id_: str) -> OutboxEntry:
    return OutboxEntry(id=id_, tenant="acme", actor="tenants/acme/users/ada",
                       action="planner.delete_goal", resource="tenants/acme/goals/g",
                       outcome="FAILURE", trace_id="", payload_digest="")


async def test_a_refused_entry_does_not_take_its_batch_with_it(db: DatabaseConnection) -> None:
    outbox = AuditOutbox(db)
    await outbox.add(entry("e0"))
    # Written together in one batch; the store refuses the second (its id is taken).
    outcomes = await asyncio.gather(outbox.add(entry("e1")), outbox.add(entry("e0")),
                                    outbox.add(entry("e2")), return_exceptions=True)
    assert outcomes[0] is None and outcomes[2] is None
    assert isinstance(outcomes[1], Exception)
    assert sorted(e.id for e in await outbox.due(10)) == ["e0", "e1", "e2"]


async def test_an_entry_is_fitted_to_what_the_log_holds(db: DatabaseConnection) -> None:
    """A refused call may name anything; its entry is still storable."""
    outbox = AuditOutbox(db)
    recorder = AuditRecorder("planner", outbox)
    request = planner_service_pb2.DeleteGoalRequest(name="tenants/acme/goals/" + "g\x00" * 900)
    caller = context.CallContext(tenant="acme", subject="tenants/acme/users/ada")
    with context.bind(caller):
        await recorder.record(DELETE_GOAL, request, None, PermissionError("refused"))
    [stored] = await outbox.due(10)
    assert "\x00" not in stored.resource and len(stored.resource) <= 1024
    assert stored.tenant == "acme" and stored.outcome == "FAILURE"


async def test_an_entry_naming_no_valid_tenant_falls_back_to_the_callers(
        db: DatabaseConnection) -> None:
    recorder = AuditRecorder("planner", AuditOutbox(db))
    request = planner_service_pb2.DeleteGoalRequest(name="tenants/NOT A TENANT/goals/g")
    with context.bind(context.CallContext(tenant="acme", subject="tenants/acme/users/ada")):
        built = recorder.entry(DELETE_GOAL, request, None, None)
    assert built is not None and built.tenant == "acme"
