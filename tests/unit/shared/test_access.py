"""Access rules come from the contracts; every caller is verified by the server itself and
held to its method's scope."""

from __future__ import annotations

import pytest

import cognition.auth.v1.auth_service_pb2
import cognition.planner.v1.planner_service_pb2  # noqa: F401 - registers the planner contract
from shared.context import CallContext
from shared.errors import PermissionDenied, Unauthenticated
from shared.rpc.access import AccessPolicy, access_rule
from shared.rpc.credentials import CallerVerifier, ServiceCredentials

CREATE_GOAL = "/cognition.planner.v1.PlannerService/CreateGoal"
GET_GOAL = "/cognition.planner.v1.PlannerService/GetGoal"
ISSUE_TOKEN = "/cognition.auth.v1.AuthService/IssueToken"
KEY = b"m" * 32


class NoKeys:
    async def get(self, kid: str) -> None:
        return None


def policy() -> AccessPolicy:
    return AccessPolicy(CallerVerifier(KEY, NoKeys(), "cognitionos"))


def caller(*scopes: str) -> CallContext:
    return CallContext(tenant="acme", subject="tenants/acme/users/ada", scopes=frozenset(scopes))


def test_rules_are_read_from_the_contract() -> None:
    rule = access_rule(CREATE_GOAL)
    assert rule is not None and rule.scope == "goals.write"
    assert access_rule(GET_GOAL).scope == "goals.read"  # type: ignore[union-attr]
    assert access_rule("/grpc.health.v1.Health/Check") is None


def test_a_caller_needs_the_methods_scope() -> None:
    AccessPolicy.check(CREATE_GOAL, caller("goals.read", "goals.write"))
    with pytest.raises(PermissionDenied) as denied:
        AccessPolicy.check(CREATE_GOAL, caller("goals.read"))
    assert denied.value.metadata == {"scope": "goals.write"}


async def test_a_call_without_a_credential_is_refused_on_every_method_but_anonymous() -> None:
    with pytest.raises(Unauthenticated) as refused:
        await policy().identify(CREATE_GOAL, CallContext(method=CREATE_GOAL), "")
    assert refused.value.reason == "CREDENTIAL_MISSING"
    anonymous = await policy().identify(ISSUE_TOKEN, CallContext(method=ISSUE_TOKEN), "")
    assert (anonymous.tenant, anonymous.subject) == ("", "")


async def test_the_identity_is_the_credentials_and_nothing_else() -> None:
    credential = ServiceCredentials("agent-orchestrator", KEY).mint(
        "acme", ["goals.write"], on_behalf_of="tenants/acme/agents/builtin-executor-1")
    identified = await policy().identify(CREATE_GOAL, CallContext(method=CREATE_GOAL),
                                         credential)
    assert (identified.tenant, identified.subject, identified.scopes, identified.on_behalf_of) == (
        "acme", "services/agent-orchestrator", frozenset({"goals.write"}),
        "tenants/acme/agents/builtin-executor-1")
