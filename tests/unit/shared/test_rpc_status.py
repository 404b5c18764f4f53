"""Typed errors survive the trip through google.rpc.Status and back."""

from __future__ import annotations

import grpc
import pytest
from google.rpc import error_details_pb2

from shared.errors import (
    FieldViolation,
    InvalidArgument,
    NotFound,
    ResourceExhausted,
    Unavailable,
)
from shared.rpc.status import to_status


def test_invalid_argument_carries_error_info_and_bad_request() -> None:
    error = InvalidArgument("bad", [FieldViolation("goal.description", "empty", "string.min_len")])
    status = to_status(error, "planner.cognition")
    assert status.code == grpc.StatusCode.INVALID_ARGUMENT.value[0]
    info, bad = error_details_pb2.ErrorInfo(), error_details_pb2.BadRequest()
    assert status.details[0].Unpack(info) and status.details[1].Unpack(bad)
    assert (info.reason, info.domain) == ("INVALID_ARGUMENT", "planner.cognition")
    assert [(v.field, v.reason) for v in bad.field_violations] == [
        ("goal.description", "string.min_len")]


@pytest.mark.parametrize("error", [
    NotFound("gone", reason="GOAL_NOT_FOUND", metadata={"id": "g1"}),
    ResourceExhausted("slow down", retry_after=1.5),
    Unavailable("later"),
])
def test_retry_info_only_where_a_delay_is_known(error: Exception) -> None:
    status = to_status(error, "x.cognition")  # type: ignore[arg-type]
    kinds = [d.type_url.rsplit(".", 1)[-1] for d in status.details]
    expected = ["ErrorInfo", "RetryInfo"] if getattr(error, "retry_after", None) else ["ErrorInfo"]
    assert kinds == expected


def test_a_status_carries_at_most_twenty_violations_and_says_how_many_more() -> None:
    violations = [FieldViolation(f"goal.labels[\"k{i}\"]", "x" * 5000, "string.max_len")
                  for i in range(700)]
    status = to_status(InvalidArgument("invalid request: " + "y" * 100_000, violations),
                       "planner.cognition")
    info, bad = error_details_pb2.ErrorInfo(), error_details_pb2.BadRequest()
    assert status.details[0].Unpack(info) and status.details[1].Unpack(bad)
    assert len(bad.field_violations) == 20
    assert info.metadata["violations_omitted"] == "680"
    assert "680 more" in status.message
    assert all(len(v.description) <= 256 for v in bad.field_violations)
    assert len(status.SerializeToString()) < 8 * 1024  # fits a proxy's trailer limits


def test_long_texts_from_anywhere_are_cut() -> None:
    error = NotFound("z" * 10_000, reason="R" * 1000, metadata={f"k{i}": "v" * 1000
                                                                for i in range(100)})
    status = to_status(error, "planner.cognition")
    assert len(status.SerializeToString()) < 8 * 1024
