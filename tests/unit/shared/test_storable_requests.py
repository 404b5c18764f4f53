"""Every field of every request is something each store can hold and each handler can read:
no NUL in any string (however deeply nested), no undefined enum number, no Timestamp or
Duration outside its documented range."""

from __future__ import annotations

import pytest
from google.protobuf import duration_pb2, struct_pb2, timestamp_pb2

from cognition.planner.v1 import goal_pb2, planner_service_pb2
from shared.rpc.validation import unstorable, violations_of


def create_goal(**goal: object) -> planner_service_pb2.CreateGoalRequest:
    fields: dict[str, object] = {"description": "ship it", **goal}
    return planner_service_pb2.CreateGoalRequest(parent="tenants/acme",
                                                 goal=goal_pb2.Goal(**fields))


@pytest.mark.parametrize("request_, field", [
    (create_goal(description="ship\x00it"), "goal.description"),
    (create_goal(labels={"team": "a\x00b"}), 'goal.labels["team"]'),
    (create_goal(labels={"t\x00": "v"}), 'goal.labels["t\x00"]'),
    (planner_service_pb2.ListGoalsRequest(parent="tenants/acme", filter="state\x00"), "filter"),
    (planner_service_pb2.DeleteGoalRequest(name="tenants/acme/goals/g\x00"), "name"),
])
def test_a_nul_anywhere_is_named(request_: object, field: str) -> None:
    violations = violations_of(request_)  # type: ignore[arg-type]
    assert (field, "string.no_nul") in [(v.field, v.reason) for v in violations]


def test_a_nul_in_a_struct_value_is_found_by_the_walk() -> None:
    value = struct_pb2.Struct()
    value.update({"outer": {"inner": ["x", "y\x00"]}})
    assert [v.field for v in unstorable(value, "doc")] == [
        'doc.fields["outer"].struct_value.fields["inner"].list_value.values[1].string_value']


def test_an_undefined_enum_number_is_named() -> None:
    request = create_goal(priority=57)
    assert ("goal.priority", "enum.defined_only") in [
        (v.field, v.reason) for v in violations_of(request)]


@pytest.mark.parametrize("stamp", [
    timestamp_pb2.Timestamp(seconds=253_402_300_800),
    timestamp_pb2.Timestamp(seconds=-62_135_596_801),
    timestamp_pb2.Timestamp(seconds=0, nanos=-1),
])
def test_a_timestamp_out_of_range_is_named(stamp: timestamp_pb2.Timestamp) -> None:
    assert [(v.field, v.reason) for v in unstorable(stamp, "when")] == [
        ("when", "timestamp.range")]


@pytest.mark.parametrize("duration", [
    duration_pb2.Duration(seconds=315_576_000_001),
    duration_pb2.Duration(seconds=1, nanos=-1),
    duration_pb2.Duration(nanos=1_000_000_000),
])
def test_a_duration_out_of_range_is_named(duration: duration_pb2.Duration) -> None:
    assert [(v.field, v.reason) for v in unstorable(duration, "wait")] == [
        ("wait", "duration.range")]


def test_edges_within_range_pass() -> None:
    for message in (timestamp_pb2.Timestamp(seconds=253_402_300_799, nanos=999_999_999),
                    timestamp_pb2.Timestamp(seconds=-62_135_596_800),
                    duration_pb2.Duration(seconds=-315_576_000_000, nanos=-999_999_999)):
        assert list(unstorable(message, "x")) == []
