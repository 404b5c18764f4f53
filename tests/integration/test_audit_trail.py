"""Every mutation through the mesh lands in the audit log, once, even when the audit-log
service is down at the time of the call."""

from __future__ import annotations

import pathlib
import secrets
import signal
from collections.abc import AsyncIterator
from typing import Any

import grpc
import pytest

from cognition.audit.v1 import audit_service_pb2 as audit_pb
from cognition.audit.v1 import audit_service_pb2_grpc as audit_grpc
from cognition.planner.v1 import goal_pb2
from cognition.planner.v1 import planner_service_pb2 as pb
from cognition.planner.v1 import planner_service_pb2_grpc as pb_grpc
from cognos.mesh.supervisor import Mesh, MeshLayout
from shared.mesh.registry import by_name
from tests.helpers import assert_eventually, service_metadata
from tests.integration.conftest import Tokens

PLANNER, AUDIT = by_name("task-planner"), by_name("audit-log")


OUTAGE = f"outage-{secrets.token_hex(3)}"  # a fresh tenant per run (PostgreSQL keeps data)
OPERATOR = service_metadata(OUTAGE, ["goals.write", "goals.read", "audit.read"])


async def entries_of(channel: grpc.aio.Channel, tenant: str,
                     metadata: list[tuple[str, str]] | None = None) -> list[Any]:
    stub = audit_grpc.AuditServiceStub(channel)
    listed = await stub.ListAuditEntries(audit_pb.ListAuditEntriesRequest(
        parent=f"tenants/{tenant}", page_size=1000), timeout=5, metadata=metadata)
    return list(reversed(listed.audit_entries))  # oldest first


async def test_mutations_through_envoy_are_audited_in_order(envoy_channel: grpc.aio.Channel,
                                                            tokens: Tokens, tenant: str) -> None:
    channel = envoy_channel
    planner = pb_grpc.PlannerServiceStub(channel)
    operator = await tokens.metadata(tenant, ("goals.write", "goals.cancel", "goals.read"))
    goal = (await planner.CreateGoal(pb.CreateGoalRequest(
        parent=f"tenants/{tenant}", goal=goal_pb2.Goal(description="audited")),
        timeout=5, metadata=operator)).goal
    await planner.CancelGoal(pb.CancelGoalRequest(name=goal.name), timeout=5, metadata=operator)
    with pytest.raises(grpc.aio.AioRpcError):  # already cancelled: a failed mutation
        await planner.CancelGoal(pb.CancelGoalRequest(name=goal.name), timeout=5,
                                 metadata=operator)
    await planner.GetGoal(pb.GetGoalRequest(name=goal.name), timeout=5,
                          metadata=operator)  # reads are not audited

    async def three_entries() -> list[Any]:
        # The planner agent may have been asked for a plan meanwhile (runtime.complete).
        found = [e for e in await entries_of(channel, tenant) if e.action.startswith("planner.")]
        return found if len(found) >= 3 else []

    entries = await assert_eventually(three_entries, timeout=15, interval=0.2,
                                      message="the audit entries arrive")
    actor = "tenants/system/apiKeys/bootstrap-admin"  # the token's subject
    assert [(e.action, e.outcome, e.resource, e.actor) for e in entries] == [
        ("planner.create_goal", 1, goal.name, actor),
        ("planner.cancel_goal", 1, goal.name, actor),
        ("planner.cancel_goal", 2, goal.name, actor),
    ]
    assert all(len(e.trace_id) == 32 for e in entries)
    verdict = await audit_grpc.AuditServiceStub(channel).VerifyChain(
        audit_pb.VerifyChainRequest(parent=f"tenants/{tenant}"), timeout=5)
    assert verdict.valid and verdict.entries_checked >= 3


@pytest.fixture(params=["sqlite", "postgresql"])
async def planner_and_audit(request: pytest.FixtureRequest,
                            tmp_path: pathlib.Path) -> AsyncIterator[Mesh]:
    """The planner and the audit log (which refuse calls that carry no credential)."""
    env: dict[str, str] = {}
    if request.param == "postgresql":
        env["COGNOS_DATABASE_URL"] = request.getfixturevalue("postgres_url")
    mesh = Mesh(MeshLayout.ephemeral(tmp_path, services=(PLANNER, AUDIT), env=env))
    await mesh.start(timeout=60)
    yield mesh
    await mesh.stop(grace=2)


async def test_no_entry_is_lost_while_audit_log_is_down(planner_and_audit: Mesh) -> None:
    mesh = planner_and_audit
    audit = mesh.replicas_of(AUDIT.name)[0]
    audit.process.signal(signal.SIGKILL)
    audit.process.wait_gone()
    async with grpc.aio.insecure_channel(mesh.replicas_of(PLANNER.name)[0].address) as channel:
        planner = pb_grpc.PlannerServiceStub(channel)
        names = []
        with pytest.raises(grpc.aio.AioRpcError) as anonymous:
            await planner.ListGoals(pb.ListGoalsRequest(parent=f"tenants/{OUTAGE}"), timeout=5)
        assert anonymous.value.code() is grpc.StatusCode.UNAUTHENTICATED
        for i in range(5):  # the calls succeed although the audit log is unreachable
            goal = (await planner.CreateGoal(pb.CreateGoalRequest(
                parent=f"tenants/{OUTAGE}", goal=goal_pb2.Goal(description=f"goal {i}")),
                timeout=5, metadata=OPERATOR)).goal
            names.append(goal.name)
    audit.process.start()
    async with grpc.aio.insecure_channel(audit.address) as channel:

        async def all_arrived() -> list[Any]:
            try:
                found = await entries_of(channel, OUTAGE, OPERATOR)
            except grpc.aio.AioRpcError:
                return []
            return found if len(found) >= 5 else []

        entries = await assert_eventually(all_arrived, timeout=30, interval=0.3,
                                          message="the outbox is delivered after recovery")
        assert [e.resource for e in entries] == names
