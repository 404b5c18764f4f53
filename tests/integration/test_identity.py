"""Every port verifies its caller: headers claiming an identity are not one, only a credential
the service can verify is; and the audit log records who really acted."""

from __future__ import annotations

import time
from typing import Any

import grpc
import jwt
import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from google.protobuf import descriptor_pool, message_factory

from cognition.audit.v1 import audit_entry_pb2
from cognition.audit.v1 import audit_service_pb2 as audit_pb
from cognition.audit.v1 import audit_service_pb2_grpc as audit_grpc
from cognition.planner.v1 import goal_pb2
from cognition.planner.v1 import planner_service_pb2 as planner_pb
from cognition.planner.v1 import planner_service_pb2_grpc as planner_grpc
from cognos.mesh.supervisor import Mesh
from shared.mesh.registry import SERVICES
from shared.rpc.access import access_rule
from shared.rpc.status import from_rpc_error
from tests.helpers import assert_eventually, import_contracts
from tests.integration.conftest import Tokens

FORGED_HEADERS = [("x-cognos-tenant", "victim"), ("x-cognos-subject", "tenants/victim/users/root"),
                  ("x-cognos-scopes", "goals.read goals.write audit.read audit.write")]


def first_guarded_method(full_service_name: str) -> tuple[str, Any]:
    """The path and request class of a method of the service that needs a scope."""
    import_contracts()
    service = descriptor_pool.Default().FindServiceByName(full_service_name)
    for method in service.methods:
        path = f"/{full_service_name}/{method.name}"
        rule = access_rule(path)
        if rule is not None and rule.scope and not method.server_streaming:
            return path, message_factory.GetMessageClass(method.input_type)
    raise AssertionError(f"{full_service_name} has no guarded method")


def foreign_token() -> str:
    """A well-formed access token signed with a key auth never had."""
    now = int(time.time())
    return jwt.encode({"iss": "cognitionos", "sub": "tenants/victim/users/root",
                       "tenant": "victim", "scope": "goals.read", "iat": now, "nbf": now,
                       "exp": now + 600, "jti": "x"}, Ed25519PrivateKey.generate(),
                      algorithm="EdDSA", headers={"kid": "forged"})


@pytest.mark.parametrize("spec", SERVICES, ids=lambda s: s.name)
async def test_a_port_refuses_a_call_without_a_verifiable_credential(mesh: Mesh,
                                                                     spec: Any) -> None:
    path, request_class = first_guarded_method(spec.full_service_name)
    address = mesh.replicas_of(spec.name)[0].address
    async with grpc.aio.insecure_channel(address) as channel:
        call = channel.unary_unary(path, request_serializer=lambda m: m.SerializeToString(),
                                   response_deserializer=lambda b: b)
        for metadata in (FORGED_HEADERS,
                         [*FORGED_HEADERS, ("authorization", f"Bearer {foreign_token()}")],
                         [("authorization", "Bearer not.a.token")]):
            with pytest.raises(grpc.aio.AioRpcError) as refused:
                await call(request_class(), metadata=metadata, timeout=10)
            assert refused.value.code() is grpc.StatusCode.UNAUTHENTICATED, (
                spec.name, refused.value.details())


async def test_a_port_serves_the_tenant_of_a_verified_access_token(mesh: Mesh, tokens: Tokens,
                                                                   tenant: str) -> None:
    """Straight to the planner's port, with a token: the token's tenant, not a header's."""
    planner = mesh.replicas_of("task-planner")[0].address
    metadata = [*await tokens.metadata(tenant), *FORGED_HEADERS]
    async with grpc.aio.insecure_channel(planner) as channel:
        stub = planner_grpc.PlannerServiceStub(channel)
        goal = (await stub.CreateGoal(planner_pb.CreateGoalRequest(
            parent=f"tenants/{tenant}", goal=goal_pb2.Goal(description="direct")),
            metadata=metadata, timeout=10)).goal
        with pytest.raises(grpc.aio.AioRpcError) as hidden:
            await stub.ListGoals(planner_pb.ListGoalsRequest(parent="tenants/victim"),
                                 metadata=metadata, timeout=10)
        assert hidden.value.code() is grpc.StatusCode.NOT_FOUND
    assert goal.name.startswith(f"tenants/{tenant}/goals/")


async def test_an_entry_is_written_in_the_callers_name_only(envoy_channel: grpc.aio.Channel,
                                                            tenant: str) -> None:
    stub = audit_grpc.AuditServiceStub(envoy_channel)
    actor = "tenants/system/apiKeys/bootstrap-admin"  # the subject of the tests' tokens

    def create(**entry: str) -> Any:
        return stub.CreateAuditEntry(audit_pb.CreateAuditEntryRequest(
            parent=f"tenants/{tenant}", audit_entry=audit_entry_pb2.AuditEntry(
                action="ops.note", resource=f"tenants/{tenant}",
                outcome=audit_entry_pb2.OUTCOME_SUCCESS, **entry)), timeout=10)

    written = (await create()).audit_entry
    assert (written.actor, written.recorded_by, written.on_behalf_of) == (actor, actor, "")
    for claimed in ({"actor": "tenants/acme/users/someone-else"},
                    {"on_behalf_of": "tenants/acme/users/someone-else"}):
        with pytest.raises(grpc.aio.AioRpcError) as refused:
            await create(**claimed)
        assert refused.value.code() is grpc.StatusCode.PERMISSION_DENIED
        assert from_rpc_error(refused.value).reason == "ACTOR_NOT_CALLER"


async def test_a_services_work_for_an_agent_is_recorded_as_such(
        envoy_channel: grpc.aio.Channel, tenant: str) -> None:
    """A built-in agent's model call: the orchestrator acted, for the agent."""
    await planner_grpc.PlannerServiceStub(envoy_channel).CreateGoal(planner_pb.CreateGoalRequest(
        parent=f"tenants/{tenant}", goal=goal_pb2.Goal(description="Compare: A, B")), timeout=10)
    audit = audit_grpc.AuditServiceStub(envoy_channel)

    async def an_agents_model_call() -> list[Any]:
        listed = await audit.ListAuditEntries(audit_pb.ListAuditEntriesRequest(
            parent=f"tenants/{tenant}", page_size=200), timeout=10)
        return [e for e in listed.audit_entries
                if e.action == "runtime.complete" and "/agents/builtin-" in e.on_behalf_of]

    [entry, *_] = await assert_eventually(an_agents_model_call, timeout=30, interval=0.3,
                                          message="an agent's model call is audited")
    assert entry.actor == "services/agent-orchestrator"
    assert entry.recorded_by == "services/ai-runtime"
    assert entry.on_behalf_of.startswith(f"tenants/{tenant}/agents/builtin-")
