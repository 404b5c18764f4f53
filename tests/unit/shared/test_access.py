"""Access rules come from the contracts; callers are held to their method's scope."""

from __future__ import annotations

import pytest

import cognition.auth.v1.auth_service_pb2
import cognition.planner.v1.planner_service_pb2  # noqa: F401 - registers the planner contract
from shared.access import AccessPolicy, access_rule
from shared.context import CallContext
from shared.errors import PermissionDenied, Unauthenticated

CREATE_GOAL = "/cognition.planner.v1.PlannerService/CreateGoal"
GET_GOAL = "/cognition.planner.v1.PlannerService/GetGoal"


def caller(*scopes: str) -> CallContext:
    return CallContext(tenant="acme", subject="tenants/acme/users/ada", scopes=frozenset(scopes))


def test_rules_are_read_from_the_contract() -> None:
    rule = access_rule(CREATE_GOAL)
    assert rule is not None and rule.scope == "goals.write"
    assert access_rule(GET_GOAL).scope == "goals.read"  # type: ignore[union-attr]
    assert access_rule("/grpc.health.v1.Health/Check") is None


def test_a_caller_needs_the_methods_scope() -> None:
    policy = AccessPolicy(identity_required=True)
    policy.check(CREATE_GOAL, caller("goals.read", "goals.write"))
    with pytest.raises(PermissionDenied) as denied:
        policy.check(CREATE_GOAL, caller("goals.read"))
    assert denied.value.metadata == {"scope": "goals.write"}


def test_anonymous_calls_depend_on_the_setting() -> None:
    AccessPolicy(identity_required=False).check(CREATE_GOAL, CallContext())
    with pytest.raises(Unauthenticated):
        AccessPolicy(identity_required=True).check(CREATE_GOAL, CallContext())
