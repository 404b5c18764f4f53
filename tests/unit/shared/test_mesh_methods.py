"""Typed method handles, and a ServiceClient talking to a peer served in process."""

from __future__ import annotations

from collections.abc import AsyncIterator

import pytest

from cognition.planner.v1 import goal_pb2
from cognition.planner.v1 import planner_service_pb2 as pb
from shared.errors import NotFound
from shared.mesh.client import ServiceClient
from shared.mesh.in_process import InProcessChannel
from shared.mesh.methods import ServerStream, Unary
from shared.mesh.resilience import BreakerState

GET_GOAL = Unary.of(pb.GetGoalRequest, pb.GetGoalResponse)
WATCH_GOAL = ServerStream.of(pb.WatchGoalRequest, pb.WatchGoalResponse)


def test_a_handle_is_found_by_its_messages() -> None:
    assert GET_GOAL.name == "GetGoal"
    assert GET_GOAL.path == "/cognition.planner.v1.PlannerService/GetGoal"
    assert GET_GOAL.idempotent
    assert WATCH_GOAL.path.endswith("/WatchGoal")
    assert not Unary.of(pb.CreateGoalRequest, pb.CreateGoalResponse).idempotent


def test_messages_no_method_takes_fail_when_the_handle_is_made() -> None:
    with pytest.raises(LookupError, match="GetGoalRequest"):
        Unary.of(pb.GetGoalRequest, pb.CreateGoalResponse)
    with pytest.raises(LookupError, match="server-streaming"):
        ServerStream.of(pb.GetGoalRequest, pb.GetGoalResponse)


class FakePlanner:
    async def GetGoal(self, request: pb.GetGoalRequest, context: object) -> pb.GetGoalResponse:
        if request.name.endswith("/missing"):
            raise NotFound("goal missing not found", reason="GOAL_NOT_FOUND")
        return pb.GetGoalResponse(goal=goal_pb2.Goal(name=request.name, description="found"))

    async def WatchGoal(self, request: pb.WatchGoalRequest,
                        context: object) -> AsyncIterator[pb.WatchGoalResponse]:
        for state in (goal_pb2.GOAL_STATE_RUNNING, goal_pb2.GOAL_STATE_SUCCEEDED):
            yield pb.WatchGoalResponse(goal=goal_pb2.Goal(name=request.name, state=state))


@pytest.fixture
async def planner() -> AsyncIterator[ServiceClient]:
    client = ServiceClient("task-planner",
                           channel_factory=lambda _: InProcessChannel(FakePlanner()))
    yield client
    await client.close()


async def test_a_call_answers_the_typed_response(planner: ServiceClient) -> None:
    response = await planner.call(GET_GOAL, pb.GetGoalRequest(name="tenants/a/goals/g1"))
    assert response.goal.description == "found"


async def test_a_peer_error_comes_back_as_the_same_error_and_the_peer_counts_as_up(
        planner: ServiceClient) -> None:
    with pytest.raises(NotFound) as missing:
        await planner.call(GET_GOAL, pb.GetGoalRequest(name="tenants/a/goals/missing"))
    assert missing.value.reason == "GOAL_NOT_FOUND"
    assert planner.breaker.state is BreakerState.CLOSED


async def test_a_stream_yields_the_typed_messages(planner: ServiceClient) -> None:
    states = [m.goal.state async for m in planner.stream(
        WATCH_GOAL, pb.WatchGoalRequest(name="tenants/a/goals/g1"))]
    assert states == [goal_pb2.GOAL_STATE_RUNNING, goal_pb2.GOAL_STATE_SUCCEEDED]
