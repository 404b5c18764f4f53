"""Scopes declared in the contracts are enforced through Envoy: a caller without the scope is
PERMISSION_DENIED, nothing is written, and the refusal is audited."""

from __future__ import annotations

import grpc
import pytest

from cognition.audit.v1 import audit_service_pb2 as audit_pb
from cognition.audit.v1 import audit_service_pb2_grpc as audit_grpc
from cognition.planner.v1 import goal_pb2
from cognition.planner.v1 import planner_service_pb2 as pb
from cognition.planner.v1 import planner_service_pb2_grpc as pb_grpc
from shared.errors import PermissionDenied
from shared.rpc.status import from_rpc_error
from tests.helpers import assert_eventually
from tests.integration.conftest import Tokens


async def test_a_viewer_cannot_create_and_the_refusal_is_audited(
        envoy_channel: grpc.aio.Channel, tokens: Tokens, tenant: str) -> None:
    planner = pb_grpc.PlannerServiceStub(envoy_channel)
    viewer = await tokens.metadata(tenant, ("goals.read",))  # may read goals, not write
    with pytest.raises(grpc.aio.AioRpcError) as caught:
        await planner.CreateGoal(pb.CreateGoalRequest(
            parent=f"tenants/{tenant}", goal=goal_pb2.Goal(description="not allowed")),
            timeout=5, metadata=viewer)
    assert caught.value.code() is grpc.StatusCode.PERMISSION_DENIED
    error = from_rpc_error(caught.value)
    assert isinstance(error, PermissionDenied) and error.metadata == {"scope": "goals.write"}
    listed = await planner.ListGoals(pb.ListGoalsRequest(parent=f"tenants/{tenant}"),
                                     timeout=5, metadata=viewer)
    assert list(listed.goals) == []

    audit = audit_grpc.AuditServiceStub(envoy_channel)

    async def denial_recorded() -> bool:
        entries = await audit.ListAuditEntries(audit_pb.ListAuditEntriesRequest(
            parent=f"tenants/{tenant}"), timeout=5)
        return [(e.action, e.outcome) for e in entries.audit_entries] == [
            ("planner.create_goal", 3)]  # OUTCOME_DENIED

    await assert_eventually(denial_recorded, timeout=15, interval=0.2,
                            message="the refused call is audited")
