"""The shared server bootstrap with real grpc.aio servers: graceful drain on shutdown, the
default deadline, internal errors that leak nothing, and trace and identity propagation."""

from __future__ import annotations

import asyncio
import logging

import grpc
import pytest
from grpc_health.v1 import health_pb2, health_pb2_grpc
from opentelemetry import trace

from cognition.planner.v1 import goal_pb2
from cognition.planner.v1 import planner_service_pb2 as pb
from cognition.planner.v1 import planner_service_pb2_grpc as pb_grpc
from shared import context
from shared.config import ServiceSettings
from shared.mesh.client import ServiceClient
from shared.mesh.keys import MeshKeys
from shared.mesh.methods import Unary
from shared.mesh.registry import by_name
from shared.rpc.access import AccessPolicy
from shared.rpc.credentials import SERVICE_CREDENTIALS, CallerVerifier
from shared.rpc.server import RunningServer, create_server
from tests.helpers import TEST_MESH_SECRET, assert_eventually, mesh_channel, mesh_credentials

GET_GOAL = Unary.of(pb.GetGoalRequest, pb.GetGoalResponse)

SPEC = by_name("task-planner")


class ProbePlanner(pb_grpc.PlannerServiceServicer):
    """GetGoal sleeps ``delay`` seconds and echoes the caller's context; CreateGoal crashes."""

    def __init__(self, delay: float = 0.0) -> None:
        self.delay = delay
        self.seen: list[context.CallContext] = []
        self.cancelled = 0

    async def GetGoal(self, request: pb.GetGoalRequest, ctx: object) -> pb.GetGoalResponse:
        self.seen.append(context.current())
        try:
            await asyncio.sleep(self.delay)
        except asyncio.CancelledError:
            self.cancelled += 1
            raise
        return pb.GetGoalResponse(goal=goal_pb2.Goal(name=request.name))

    async def CreateGoal(self, request: pb.CreateGoalRequest, ctx: object) -> pb.CreateGoalResponse:
        raise RuntimeError("database password=hunter2 leaked into an exception")


async def start(servicer: ProbePlanner, access: AccessPolicy | None = None,
                **settings: object) -> RunningServer:
    return await create_server(
        SPEC, ServiceSettings(port=0, **settings),  # type: ignore[arg-type]
        lambda server: pb_grpc.add_PlannerServiceServicer_to_server(servicer, server),
        access=access)


async def test_shutdown_drains_in_flight_calls_and_reports_not_serving() -> None:
    running = await start(ProbePlanner(delay=0.5))
    address = f"127.0.0.1:{running.port}"
    async with grpc.aio.insecure_channel(address) as channel:
        stub = pb_grpc.PlannerServiceStub(channel)
        health = health_pb2_grpc.HealthStub(channel)
        in_flight = asyncio.ensure_future(
            stub.GetGoal(pb.GetGoalRequest(name="tenants/a/goals/g1"), timeout=5))
        await asyncio.sleep(0.1)
        await running.health.enter_graceful_shutdown()
        status = await health.Check(health_pb2.HealthCheckRequest(
            service=SPEC.full_service_name), timeout=2)
        assert status.status == health_pb2.HealthCheckResponse.NOT_SERVING
        await running.stop(grace=5)
        assert (await in_flight).goal.name == "tenants/a/goals/g1"
    async with grpc.aio.insecure_channel(address) as channel:
        with pytest.raises(grpc.aio.AioRpcError) as refused:
            await pb_grpc.PlannerServiceStub(channel).GetGoal(
                pb.GetGoalRequest(name="tenants/a/goals/g1"), timeout=1)
        assert refused.value.code() is grpc.StatusCode.UNAVAILABLE


async def test_calls_without_a_deadline_get_the_default_one() -> None:
    running = await start(ProbePlanner(delay=2), default_deadline_seconds=0.2)
    try:
        async with mesh_channel(f"127.0.0.1:{running.port}") as channel:
            with pytest.raises(grpc.aio.AioRpcError) as caught:
                await pb_grpc.PlannerServiceStub(channel).GetGoal(
                    pb.GetGoalRequest(name="tenants/a/goals/g1"))
        assert caught.value.code() is grpc.StatusCode.DEADLINE_EXCEEDED
    finally:
        await running.stop(0)


async def test_a_read_ends_at_the_deadline_its_caller_set() -> None:
    probe = ProbePlanner(delay=5)
    running = await start(probe, default_deadline_seconds=30)
    try:
        async with mesh_channel(f"127.0.0.1:{running.port}") as channel:
            with pytest.raises(grpc.aio.AioRpcError) as caught:
                await pb_grpc.PlannerServiceStub(channel).GetGoal(
                    pb.GetGoalRequest(name="tenants/a/goals/g1"), timeout=0.2)
        assert caught.value.code() is grpc.StatusCode.DEADLINE_EXCEEDED

        async def cancelled() -> bool:
            return probe.cancelled == 1

        await assert_eventually(cancelled, message="the handler is cancelled at the deadline")
    finally:
        await running.stop(0)


async def test_unexpected_errors_are_internal_and_leak_nothing(
        caplog: pytest.LogCaptureFixture) -> None:
    running = await start(ProbePlanner())
    try:
        async with mesh_channel(f"127.0.0.1:{running.port}") as channel:
            with caplog.at_level(logging.ERROR), pytest.raises(grpc.aio.AioRpcError) as caught:
                await pb_grpc.PlannerServiceStub(channel).CreateGoal(pb.CreateGoalRequest(
                    parent="tenants/a", goal=goal_pb2.Goal(description="boom")), timeout=5)
        assert caught.value.code() is grpc.StatusCode.INTERNAL
        assert caught.value.details() == "internal error"
        assert "hunter2" not in (caught.value.debug_error_string() or "")
        assert any("unhandled error" in r.getMessage() for r in caplog.records)
    finally:
        await running.stop(0)


class NoAccessTokens:
    async def get(self, kid: str) -> None:
        return None


async def test_trace_and_identity_travel_to_the_next_service() -> None:
    """A service's own call carries its credential: the peer verifies it, and sees the
    service, the tenant and scopes it acts with, and whom it acts for."""
    servicer = ProbePlanner()
    verifier = CallerVerifier(MeshKeys.from_text(TEST_MESH_SECRET).key(SERVICE_CREDENTIALS),
                              NoAccessTokens(), "cognitionos")
    running = await start(servicer, access=AccessPolicy(verifier))
    peer = ServiceClient(f"127.0.0.1:{running.port}",
                         credentials=mesh_credentials("agent-orchestrator"))
    tracer = trace.get_tracer("test")
    try:
        with tracer.start_as_current_span("caller") as span, context.bind(
                context.CallContext(tenant="acme", subject="users/ada",
                                    scopes=frozenset({"goals.read"}))):
            await peer.call(GET_GOAL, pb.GetGoalRequest(name="tenants/acme/goals/g1"))
            caller_trace = f"{span.get_span_context().trace_id:032x}"
        seen = servicer.seen[-1]
        assert (seen.tenant, seen.subject, seen.on_behalf_of, seen.scopes) == (
            "acme", "services/agent-orchestrator", "users/ada", frozenset({"goals.read"}))
        assert seen.trace_id == caller_trace
        assert seen.method == "/cognition.planner.v1.PlannerService/GetGoal"
    finally:
        await peer.close()
        await running.stop(0)
