"""The planner agent's drafts as a language model writes them: the ai-runtime routes the
planner role to an OpenAI-compatible endpoint (a local server speaking its wire format), and
a draft the model gets wrong fails the goal with a reason naming what is wrong."""

from __future__ import annotations

import json
import pathlib
from collections.abc import AsyncIterator
from typing import Any

import pytest
from pydantic import SecretStr

from cognition.planner.v1 import goal_pb2
from cognition.planner.v1 import planner_service_pb2 as pb
from cognition.planner.v1 import planner_service_pb2_grpc as pb_grpc
from services.ai_runtime.config import Settings as RuntimeSettings
from services.ai_runtime.server import create_server as create_runtime
from services.task_planner.config import Settings as PlannerSettings
from services.task_planner.server import create_server as create_planner
from shared.config import MeshSettings
from tests.helpers import assert_eventually, mesh_channel
from tests.unit.ai_runtime.wire_servers import Reply, WireServer, openai_completion

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
    def model(path: str, body: dict[str, Any]) -> Reply:
        goal = body["messages"][-1]["content"]
        plan = CYCLIC if "cycle" in goal else WITH_UNKNOWN_TOOL
        return Reply(body=openai_completion(json.dumps(plan)))

    async with WireServer(model) as server:
        runtime = await create_runtime(RuntimeSettings(
            port=0, mesh=MeshSettings(data_dir=tmp_path / "runtime"),
            routes={"planner": ["openai-compatible"]},
            openai_compatible_base_url=f"{server.url}/v1",
            openai_compatible_api_key=SecretStr("test-key")))
        running = await create_planner(PlannerSettings(
            port=0, planning_interval_seconds=0.1,
            mesh=MeshSettings(data_dir=tmp_path / "planner",
                              peers={"ai-runtime": f"127.0.0.1:{runtime.port}"})))
        try:
            async with mesh_channel(f"127.0.0.1:{running.port}") as channel:
                yield pb_grpc.PlannerServiceStub(channel)
        finally:
            await running.stop(0)
            await runtime.stop(0)


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
