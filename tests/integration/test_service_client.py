"""ServiceClient against real grpc.aio servers: retries, no retries, circuit breaking."""

from __future__ import annotations

import asyncio

import grpc
import pytest

from cognition.planner.v1 import goal_pb2
from cognition.planner.v1 import planner_service_pb2 as pb
from cognition.planner.v1 import planner_service_pb2_grpc as pb_grpc
from cognos.mesh.supervisor import free_port
from shared.config import ServiceSettings
from shared.errors import NotFound, Unavailable
from shared.mesh.client import ServiceClient
from shared.mesh.methods import Unary
from shared.mesh.registry import by_name
from shared.mesh.resilience import BreakerState, CircuitBreaker, RetryPolicy
from shared.rpc.server import RunningServer, create_server
from tests.helpers import assert_eventually

CREATE_GOAL = Unary.of(pb.CreateGoalRequest, pb.CreateGoalResponse)
GET_GOAL = Unary.of(pb.GetGoalRequest, pb.GetGoalResponse)

SPEC = by_name("task-planner")


class FlakyPlanner(pb_grpc.PlannerServiceServicer):
    """Fails the first ``failures`` calls of each method with UNAVAILABLE."""

    def __init__(self, failures: int) -> None:
        self.failures = failures
        self.calls: dict[str, int] = {}

    async def _maybe_fail(self, method: str) -> None:
        self.calls[method] = self.calls.get(method, 0) + 1
        if self.calls[method] <= self.failures:
            raise Unavailable("warming up")

    async def GetGoal(self, request: pb.GetGoalRequest, context: object) -> pb.GetGoalResponse:
        await self._maybe_fail("GetGoal")
        if request.name.endswith("missing"):
            raise NotFound("no such goal", reason="GOAL_NOT_FOUND")
        return pb.GetGoalResponse(goal=goal_pb2.Goal(name=request.name, description="d"))

    async def CreateGoal(self, request: pb.CreateGoalRequest,
                         context: object) -> pb.CreateGoalResponse:
        await self._maybe_fail("CreateGoal")
        return pb.CreateGoalResponse(goal=request.goal)


async def start(servicer: FlakyPlanner, port: int = 0) -> RunningServer:
    return await create_server(
        SPEC, ServiceSettings(port=port),
        lambda server: pb_grpc.add_PlannerServiceServicer_to_server(servicer, server))


def client(port: int,
           breaker: CircuitBreaker | None = None) -> ServiceClient:
    return ServiceClient(f"127.0.0.1:{port}", deadline=5,
                         retry=RetryPolicy(max_attempts=4, base_delay=0.01, max_delay=0.05),
                         breaker=breaker)


async def test_idempotent_call_is_retried_through_unavailable() -> None:
    servicer = FlakyPlanner(failures=2)
    running = await start(servicer)
    peer = client(running.port)
    try:
        response = await peer.call(GET_GOAL, pb.GetGoalRequest(name="tenants/a/goals/g1"))
        assert response.goal.name == "tenants/a/goals/g1"
        assert servicer.calls["GetGoal"] == 3
    finally:
        await peer.close()
        await running.stop(0)


async def test_mutation_is_not_retried() -> None:
    servicer = FlakyPlanner(failures=1)
    running = await start(servicer)
    peer = client(running.port)
    try:
        with pytest.raises(Unavailable):
            await peer.call(CREATE_GOAL, pb.CreateGoalRequest(
                parent="tenants/a", goal=goal_pb2.Goal(description="once")))
        assert servicer.calls["CreateGoal"] == 1
    finally:
        await peer.close()
        await running.stop(0)


async def test_peer_errors_come_back_typed_and_are_not_retried() -> None:
    servicer = FlakyPlanner(failures=0)
    running = await start(servicer)
    peer = client(running.port)
    try:
        with pytest.raises(NotFound) as caught:
            await peer.call(GET_GOAL, pb.GetGoalRequest(name="tenants/a/goals/missing"))
        assert caught.value.reason == "GOAL_NOT_FOUND"
        assert servicer.calls["GetGoal"] == 1
    finally:
        await peer.close()
        await running.stop(0)


async def test_breaker_opens_on_a_dead_peer_and_closes_after_recovery() -> None:
    port = free_port()
    breaker = CircuitBreaker(failure_threshold=3, reset_timeout=0.3)
    peer = client(port, breaker)
    request = pb.GetGoalRequest(name="tenants/a/goals/g1")
    try:
        with pytest.raises(Unavailable):
            await peer.call(GET_GOAL, request)  # 4 attempts against nothing
        assert breaker.state is BreakerState.OPEN
        with pytest.raises(Unavailable) as fast:
            await peer.call(GET_GOAL, request)
        assert fast.value.reason == "CIRCUIT_OPEN"

        running = await start(FlakyPlanner(failures=0), port)
        try:
            await assert_closed_after_reset(peer, request, breaker)
        finally:
            await running.stop(0)
    finally:
        await peer.close()


async def assert_closed_after_reset(peer: ServiceClient,
                                    request: pb.GetGoalRequest, breaker: CircuitBreaker) -> None:
    async def trial_succeeds() -> bool:
        try:
            await peer.call(GET_GOAL, request, timeout=1)
        except (Unavailable, grpc.aio.AioRpcError):
            return False
        return breaker.state is BreakerState.CLOSED

    await assert_eventually(trial_succeeds, timeout=10, interval=0.1,
                            message="breaker closes once the peer is back")


async def test_a_client_started_before_its_peer_waits_for_it_without_opening_the_circuit(
        ) -> None:
    port = free_port()
    breaker = CircuitBreaker(failure_threshold=1, reset_timeout=60)
    peer = client(port, breaker)
    try:
        assert not await peer.reachable(timeout=0.3)  # nothing listens yet

        async def start_late() -> RunningServer:
            await asyncio.sleep(0.5)
            return await start(FlakyPlanner(failures=0), port)

        late = asyncio.create_task(start_late())
        assert await peer.reachable(timeout=10)
        running = await late
        try:
            assert breaker.state is BreakerState.CLOSED
            response = await peer.call(GET_GOAL, pb.GetGoalRequest(name="tenants/a/goals/g1"))
            assert response.goal.name == "tenants/a/goals/g1"
        finally:
            await running.stop(0)
    finally:
        await peer.close()
