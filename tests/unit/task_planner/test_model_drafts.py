"""The planner agent's drafts as a model writes them: a draft the model gets wrong fails the
goal with a reason naming what is wrong. The AI runtime is served in process by a fake whose
Complete answers with the draft (how the runtime reaches a real model is its own tests')."""

from __future__ import annotations

import pathlib
from collections.abc import AsyncIterator
from typing import Any

import pytest

from cognition.planner.v1 import goal_pb2
from cognition.planner.v1 import planner_service_pb2 as pb
from cognition.planner.v1 import planner_service_pb2_grpc as pb_grpc
from services.task_planner.config import Settings as PlannerSettings
from services.task_planner.server import create_server as create_planner
from shared.config import MeshSettings
from tests.helpers import assert_eventually, mesh_channel, peers_in_process
from tests.unit.task_planner import fake_runtime
from tests.unit.task_planner.fake_runtime import FakeRuntime

CYCLIC = {"complexity": 2, "tasks": [
    {"id": "write", "title": "Write", "agent_role": "executor", "depends_on": ["review"],
     "critical": True},
    {"id": "review", "title": "Review", "agent_role": "critic", "depends_on": ["write"],
     "critical": True}]}
WITH_UNKNOWN_TOOL = {"complexity": 1, "tasks": [
    {"id": "fetch", "title": "Fetch", "agent_role": "executor", "tools": ["teleport"],
     "critical": True}]}


@pytest.fixture
async def planner(tmp_path: pathlib.Path) -> AsyncIterator[pb_grpc.PlannerServiceStub]:
    def draft(goal: str) -> dict[str, Any]:
        return CYCLIC if "cycle" in goal else WITH_UNKNOWN_TOOL

    running = await create_planner(
        PlannerSettings(port=0, planning_interval_seconds=0.1,
                        mesh=MeshSettings(data_dir=tmp_path / "planner",
                                          peers={"ai-runtime": fake_runtime.ADDRESS})),
        channel_factory=peers_in_process({fake_runtime.ADDRESS: FakeRuntime(draft)}))
    try:
        async with mesh_channel(f"127.0.0.1:{running.port}") as channel:
            yield pb_grpc.PlannerServiceStub(channel)
    finally:
        await running.stop(0)


@pytest.mark.parametrize(("description", "named"), [
    ("Plan with a cycle", "cycle"),
    ("Plan with a tool nobody has", "plan.tasks[0].tools[0]"),
])
async def test_a_bad_draft_from_the_model_fails_the_goal_saying_why(
        planner: pb_grpc.PlannerServiceStub, description: str, named: str) -> None:
    goal = (await planner.CreateGoal(pb.CreateGoalRequest(
        parent="tenants/acme", goal=goal_pb2.Goal(description=description)))).goal

    async def failed() -> goal_pb2.Goal | None:
        now = (await planner.GetGoal(pb.GetGoalRequest(name=goal.name))).goal
        return now if now.state == goal_pb2.GOAL_STATE_FAILED else None

    ended = await assert_eventually(failed, timeout=20, message="the goal fails")
    assert ended.state_reason.startswith("the planner's draft is invalid")
    assert named in ended.state_reason
    assert ended.plan == ""  # nothing of the bad draft was stored
