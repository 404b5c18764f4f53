"""Rules declared in the contracts become field violations with readable paths."""

from __future__ import annotations

import pytest

from cognition.planner.v1 import goal_pb2, planner_service_pb2
from shared.errors import InvalidArgument
from shared.rpc.validation import validate, violations_of


def test_valid_request_has_no_violations() -> None:
    request = planner_service_pb2.CreateGoalRequest(
        parent="tenants/acme", goal=goal_pb2.Goal(description="ship the release"))
    assert violations_of(request) == []


def test_each_bad_field_is_named() -> None:
    request = planner_service_pb2.CreateGoalRequest(
        parent="tenants/ACME", goal=goal_pb2.Goal(description="", priority=42, labels={"": "v"}))
    fields = {v.field: v.reason for v in violations_of(request)}
    assert fields == {
        "parent": "string.pattern",
        "goal.description": "string.min_len",
        "goal.priority": "enum.defined_only",
        'goal.labels[""]': "string.min_len",
    }


def test_missing_message_is_required() -> None:
    with pytest.raises(InvalidArgument) as caught:
        validate(planner_service_pb2.CreateGoalRequest(parent="tenants/acme"))
    assert [v.field for v in caught.value.violations] == ["goal"]


def test_oversize_field_is_rejected() -> None:
    request = planner_service_pb2.CreateGoalRequest(
        parent="tenants/acme", goal=goal_pb2.Goal(description="x" * 8001))
    assert [v.reason for v in violations_of(request)] == ["string.max_len"]


def test_update_checks_only_the_masked_fields() -> None:
    from google.protobuf import field_mask_pb2

    request = planner_service_pb2.UpdateGoalRequest(
        goal=goal_pb2.Goal(name="tenants/acme/goals/g1", priority=goal_pb2.GOAL_PRIORITY_HIGH),
        update_mask=field_mask_pb2.FieldMask(paths=["priority"]))
    validate(request)  # the empty description is not being changed
    request.update_mask.paths[:] = ["description"]
    with pytest.raises(InvalidArgument) as caught:
        validate(request)
    assert [v.field for v in caught.value.violations] == ["goal.description"]
