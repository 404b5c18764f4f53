"""Which mutations keep their request ids themselves, as their contracts declare."""

from __future__ import annotations

from cognition.planner.v1 import planner_service_pb2  # noqa: F401 - registers the service
from cognition.runtime.v1 import runtime_service_pb2  # noqa: F401 - registers the service
from shared.rpc.idempotency import kept_by_service


def test_a_contract_may_keep_its_request_ids_itself() -> None:
    assert kept_by_service("/cognition.runtime.v1.RuntimeService/Complete")
    assert not kept_by_service("/cognition.planner.v1.PlannerService/CreateGoal")
    assert not kept_by_service("/no.such.Service/Method")
