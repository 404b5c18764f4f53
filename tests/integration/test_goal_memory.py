"""Agents remember across goals, through the real mesh: a goal's task results are stored in
its namespace, and a later goal on a related topic retrieves them as context (embedded by the
real all-MiniLM-L6-v2), the memories it used recorded with their scores."""

from __future__ import annotations

import pathlib
from collections.abc import AsyncIterator

import grpc
import pytest

from cognition.memory.v1 import memory_pb2
from cognition.memory.v1 import memory_service_pb2 as memory_pb
from cognition.memory.v1 import memory_service_pb2_grpc as memory_grpc
from cognition.planner.v1 import goal_pb2, plan_pb2, task_pb2
from cognos.mesh.supervisor import Mesh, MeshLayout
from cognos.models.registry import DEFAULT_EMBEDDING_MODEL, model_named
from cognos.models.weights import prepare
from shared.agents.memories import ContextRecord, goal_namespace
from tests.helpers import assert_eventually
from tests.integration.conftest import signed_channel
from tests.integration.test_goal_runs import submit, until_state

pytestmark = pytest.mark.timeout(240)


@pytest.fixture(scope="module")
async def remembering(tmp_path_factory: pytest.TempPathFactory) -> AsyncIterator[Mesh]:
    """Every service and Envoy; the ai-runtime embeds with the real model."""
    var = pathlib.Path(tmp_path_factory.mktemp("remembering"))
    model_dir = prepare(model_named(DEFAULT_EMBEDDING_MODEL), var / "models", install=False)
    mesh = Mesh(MeshLayout.ephemeral(var, env={
        "COGNOS_AI_RUNTIME_EMBED_ROUTE": '["local-embeddings"]',
        "COGNOS_AI_RUNTIME_LOCAL_EMBEDDING_DIR": str(model_dir)}))
    await mesh.start(timeout=90)
    yield mesh
    await mesh.stop()


def one_task(title: str, instructions: str) -> plan_pb2.Plan:
    return plan_pb2.Plan(tasks=[task_pb2.Task(
        name="work", title=title, instructions=instructions, agent_role="executor",
        critical=True)], complexity=1)


async def memories_of(channel: grpc.aio.Channel, goal: goal_pb2.Goal
                      ) -> list[memory_pb2.Memory]:
    tenant = goal.name.split("/")[1]
    namespace = goal_namespace(goal.name)

    async def stored() -> list[memory_pb2.Memory] | None:
        listed = await memory_grpc.MemoryServiceStub(channel).ListMemories(
            memory_pb.ListMemoriesRequest(parent=f"tenants/{tenant}",
                                          filter=f'namespace = "{namespace}"'), timeout=10)
        return list(listed.memories) or None

    return await assert_eventually(stored, timeout=30, message=f"{goal.name} is remembered")


async def test_a_second_goal_uses_what_the_first_stored(remembering: Mesh, tenant: str) -> None:
    async with signed_channel(remembering) as channel:
        first = await submit(channel, tenant, "Find out when the deploy freeze starts",
                             one_task("When does the deploy freeze start",
                                      "The deploy freeze starts on Friday at noon"))
        await until_state(channel, first, goal_pb2.GOAL_STATE_SUCCEEDED)
        remembered = await memories_of(channel, first)
        assert remembered[0].source.goal == first.name
        assert remembered[0].embedding_model == DEFAULT_EMBEDDING_MODEL

        second = await submit(channel, tenant, "Remind the team about the code freeze",
                              one_task("Remind everyone when the code freeze begins",
                                       "Write a short reminder about the freeze"))
        await until_state(channel, second, goal_pb2.GOAL_STATE_SUCCEEDED)
        used = ContextRecord.of((await memories_of(channel, second))[0].metadata, tenant).used

    assert remembered[0].name in [u.name for u in used]
    assert all(0 < u.score <= 1 for u in used)
