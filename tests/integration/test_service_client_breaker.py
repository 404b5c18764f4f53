"""ServiceClient's circuit breaker against real grpc.aio servers: it counts only a peer that
could not be reached, closes as soon as a restarted peer is reachable again, and is never held
half-open by a trial call that ended without an answer (cancelled, or a stream)."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator

import pytest

from cognition.planner.v1 import goal_pb2
from cognition.planner.v1 import planner_service_pb2 as pb
from cognition.planner.v1 import planner_service_pb2_grpc as pb_grpc
from cognos.mesh.supervisor import free_port
from shared.config import ServiceSettings
from shared.errors import CognitionError, Unavailable
from shared.mesh.client import ServiceClient
from shared.mesh.methods import ServerStream, Unary
from shared.mesh.registry import by_name
from shared.mesh.resilience import (
    CIRCUIT_OPEN,
    BreakerState,
    CircuitBreaker,
    RetryPolicy,
    peer_unavailable,
)
from shared.rpc.server import RunningServer, create_server
from tests.helpers import assert_eventually

GET_GOAL = Unary.of(pb.GetGoalRequest, pb.GetGoalResponse)
WATCH_GOAL = ServerStream.of(pb.WatchGoalRequest, pb.WatchGoalResponse)

SPEC = by_name("task-planner")
GOAL = "tenants/a/goals/g1"
# Far longer than any wait below: a circuit that closes in these tests closed on reconnection.
LONG_OPEN = 600.0


class Planner(pb_grpc.PlannerServiceServicer):
    """Answers GetGoal (after ``hang`` seconds for a goal named ``.../slow``), fails
    ``failures`` calls first with an UNAVAILABLE of its own, and streams one event."""

    def __init__(self, failures: int = 0, hang: float = 0.0) -> None:
        self.failures = failures
        self.hang = hang

    async def GetGoal(self, request: pb.GetGoalRequest, context: object) -> pb.GetGoalResponse:
        if self.failures:
            self.failures -= 1
            raise Unavailable("warming up")
        if request.name.endswith("/slow"):
            await asyncio.sleep(self.hang)
        return pb.GetGoalResponse(goal=goal_pb2.Goal(name=request.name, description="d"))

    async def WatchGoal(self, request: pb.WatchGoalRequest,
                        context: object) -> AsyncIterator[pb.WatchGoalResponse]:
        yield pb.WatchGoalResponse(goal=goal_pb2.Goal(name=request.name), event_type="goal")


async def start(servicer: Planner, port: int = 0) -> RunningServer:
    return await create_server(
        SPEC, ServiceSettings(port=port),
        lambda server: pb_grpc.add_PlannerServiceServicer_to_server(servicer, server))


def client(port: int, breaker: CircuitBreaker) -> ServiceClient:
    return ServiceClient(f"127.0.0.1:{port}", deadline=5,
                         retry=RetryPolicy(max_attempts=2, base_delay=0.01, max_delay=0.02),
                         breaker=breaker)


async def get_goal(peer: ServiceClient, name: str = GOAL) -> str:
    response = await peer.call(GET_GOAL, pb.GetGoalRequest(name=name), timeout=2)
    got: str = response.goal.name
    return got


async def answered(peer: ServiceClient) -> bool:
    try:
        return await get_goal(peer) == GOAL
    except Unavailable:
        return False


async def test_the_circuit_closes_as_soon_as_a_restarted_peer_is_reachable() -> None:
    port = free_port()
    running = await start(Planner(), port)
    breaker = CircuitBreaker(failure_threshold=2, reset_timeout=LONG_OPEN)
    peer = client(port, breaker)
    try:
        assert await get_goal(peer) == GOAL
        await running.stop(0)  # the peer dies

        with pytest.raises(Unavailable) as down:
            await get_goal(peer)
        assert peer_unavailable(down.value) and down.value.metadata["peer"] == peer.address
        assert breaker.state is BreakerState.OPEN
        with pytest.raises(Unavailable) as fast:
            await get_goal(peer)
        assert fast.value.reason == CIRCUIT_OPEN and peer_unavailable(fast.value)

        running = await start(Planner(), port)  # restarted on its port
        await assert_eventually(lambda: answered(peer), timeout=10, interval=0.05,
                                message="the circuit closes once the peer is reachable")
        assert breaker.state is BreakerState.CLOSED
    finally:
        await peer.close()
        await running.stop(0)


async def test_errors_a_peer_answers_with_leave_the_circuit_closed() -> None:
    running = await start(Planner(failures=10))
    breaker = CircuitBreaker(failure_threshold=2, reset_timeout=LONG_OPEN)
    peer = client(running.port, breaker)
    try:
        for _ in range(3):
            with pytest.raises(Unavailable) as refused:
                await get_goal(peer)
            assert refused.value.reason == "UNAVAILABLE" and not peer_unavailable(refused.value)
        assert breaker.state is BreakerState.CLOSED
    finally:
        await peer.close()
        await running.stop(0)


async def half_open(breaker: CircuitBreaker) -> None:
    """Open the circuit (as after failed calls) and wait out its short open time."""
    breaker.record_failure()
    assert breaker.state is BreakerState.OPEN

    async def trial_due() -> bool:
        return breaker.state is BreakerState.HALF_OPEN

    await assert_eventually(trial_due, timeout=5, message="the circuit is half-open")


async def test_a_trial_call_cancelled_by_its_caller_does_not_hold_the_circuit() -> None:
    running = await start(Planner(hang=LONG_OPEN))
    breaker = CircuitBreaker(failure_threshold=1, reset_timeout=0.01)
    peer = client(running.port, breaker)
    try:
        await half_open(breaker)
        trial = asyncio.create_task(get_goal(peer, f"{GOAL}/slow"))
        await asyncio.sleep(0)  # the trial goes out and waits for its answer
        trial.cancel()
        with pytest.raises(asyncio.CancelledError):
            await trial

        await assert_eventually(lambda: answered(peer), timeout=5, interval=0.05,
                                message="a call goes through after the cancelled trial")
        assert breaker.state is BreakerState.CLOSED
    finally:
        await peer.close()
        await running.stop(0)


async def test_a_stream_as_the_trial_call_closes_the_circuit() -> None:
    running = await start(Planner())
    breaker = CircuitBreaker(failure_threshold=1, reset_timeout=0.01)
    peer = client(running.port, breaker)
    try:
        await half_open(breaker)
        events = [e async for e in peer.stream(WATCH_GOAL, pb.WatchGoalRequest(name=GOAL),
                                               timeout=5)]
        assert [e.event_type for e in events] == ["goal"]
        assert breaker.state is BreakerState.CLOSED
        assert await get_goal(peer) == GOAL
    finally:
        await peer.close()
        await running.stop(0)


async def test_a_stream_to_a_dead_peer_counts_as_a_failure_to_reach_it() -> None:
    breaker = CircuitBreaker(failure_threshold=1, reset_timeout=LONG_OPEN)
    peer = client(free_port(), breaker)
    try:
        with pytest.raises(CognitionError) as down:
            async for _ in peer.stream(WATCH_GOAL, pb.WatchGoalRequest(name=GOAL), timeout=5):
                pass
        assert peer_unavailable(down.value)
        assert breaker.state is BreakerState.OPEN
    finally:
        await peer.close()


async def test_waiting_for_a_restarted_peer_lets_the_next_call_through() -> None:
    port = free_port()
    breaker = CircuitBreaker(failure_threshold=1, reset_timeout=LONG_OPEN)
    peer = client(port, breaker)
    running: RunningServer | None = None
    try:
        with pytest.raises(Unavailable):
            await get_goal(peer)
        assert breaker.state is BreakerState.OPEN
        running = await start(Planner(), port)
        assert await peer.reachable(timeout=10)
        assert await get_goal(peer) == GOAL
    finally:
        await peer.close()
        if running is not None:
            await running.stop(0)


def watches() -> list[asyncio.Task[object]]:
    """Tasks watching a channel for its peer's return."""
    return [t for t in asyncio.all_tasks() if "_half_open_on_reconnection" in repr(t.get_coro())]


async def test_a_closed_client_stops_watching_its_connection() -> None:
    breaker = CircuitBreaker(failure_threshold=1, reset_timeout=LONG_OPEN)
    peer = client(free_port(), breaker)
    with pytest.raises(Unavailable):
        await get_goal(peer)
    assert len(watches()) == 1  # the open circuit waits for the peer's return
    await peer.close()
    assert watches() == []
