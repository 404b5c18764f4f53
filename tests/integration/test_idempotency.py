"""Mutations retried with the same request_id are done once (AIP-155)."""

from __future__ import annotations

import pathlib
from collections.abc import AsyncIterator

import grpc
import pytest

from cognition.planner.v1 import goal_pb2
from cognition.planner.v1 import planner_service_pb2 as pb
from cognition.planner.v1 import planner_service_pb2_grpc as pb_grpc
from services.task_planner.config import Settings
from services.task_planner.server import create_server
from shared.errors import InvalidArgument
from shared.rpc.status import from_rpc_error
from tests.helpers import mesh_channel


@pytest.fixture
async def planner(tmp_path: pathlib.Path) -> AsyncIterator[pb_grpc.PlannerServiceStub]:
    running = await create_server(Settings(port=0, mesh={"data_dir": str(tmp_path)}))
    async with mesh_channel(f"127.0.0.1:{running.port}") as channel:
        yield pb_grpc.PlannerServiceStub(channel)
    await running.stop(0)


def create(tenant: str, description: str, request_id: str) -> pb.CreateGoalRequest:
    return pb.CreateGoalRequest(parent=f"tenants/{tenant}", request_id=request_id,
                                goal=goal_pb2.Goal(description=description))


async def test_a_retried_create_returns_the_first_goal(
        planner: pb_grpc.PlannerServiceStub) -> None:
    first = await planner.CreateGoal(create("acme", "once", "req-1"), timeout=5)
    again = await planner.CreateGoal(create("acme", "once", "req-1"), timeout=5)
    assert again == first
    listed = await planner.ListGoals(pb.ListGoalsRequest(parent="tenants/acme"), timeout=5)
    assert [g.name for g in listed.goals] == [first.goal.name]


async def test_reusing_a_request_id_for_another_request_is_refused(
        planner: pb_grpc.PlannerServiceStub) -> None:
    await planner.CreateGoal(create("acme", "first", "req-2"), timeout=5)
    with pytest.raises(grpc.aio.AioRpcError) as caught:
        await planner.CreateGoal(create("acme", "second", "req-2"), timeout=5)
    error = from_rpc_error(caught.value)
    assert isinstance(error, InvalidArgument)
    assert [v.field for v in error.violations] == ["request_id"]
    listed = await planner.ListGoals(pb.ListGoalsRequest(parent="tenants/acme"), timeout=5)
    assert [g.description for g in listed.goals] == ["first"]


async def test_request_ids_are_scoped_by_tenant(planner: pb_grpc.PlannerServiceStub) -> None:
    a = await planner.CreateGoal(create("acme", "same", "req-3"), timeout=5)
    b = await planner.CreateGoal(create("globex", "same", "req-3"), timeout=5)
    assert a.goal.name.startswith("tenants/acme/") and b.goal.name.startswith("tenants/globex/")


async def test_without_a_request_id_each_create_is_new(
        planner: pb_grpc.PlannerServiceStub) -> None:
    a = await planner.CreateGoal(create("acme", "twice", ""), timeout=5)
    b = await planner.CreateGoal(create("acme", "twice", ""), timeout=5)
    assert a.goal.name != b.goal.name
