"""The agent pipeline's memory port on the mesh: context retrieved for an agent type, and a
task's result remembered in its goal's namespace, against a memory service in process."""

from __future__ import annotations

from collections.abc import AsyncIterator

import pytest

from cognition.memory.v1 import memory_pb2, namespace_pb2
from cognition.memory.v1 import memory_service_pb2 as pb
from services.agent_orchestrator.peers.agent_pipeline import MeshMemory
from shared.agents.pipeline import ContextMemory, TaskMemory
from shared.errors import AlreadyExists, InvalidArgument, Unimplemented
from shared.mesh.client import ServiceClient
from shared.mesh.in_process import InProcessChannel


class FakeMemory:
    """RetrieveContext, CreateNamespace and CreateMemory of one tenant, remembered."""

    def __init__(self) -> None:
        self.retrievals: list[pb.RetrieveContextRequest] = []
        self.namespaces: dict[str, namespace_pb2.Namespace] = {}
        self.namespace_calls = 0
        self.memories: dict[str, memory_pb2.Memory] = {}
        self.serves_context = True

    async def RetrieveContext(self, request: pb.RetrieveContextRequest,
                              context: object) -> pb.RetrieveContextResponse:
        if not self.serves_context:
            raise Unimplemented("not yet")
        self.retrievals.append(request)
        return pb.RetrieveContextResponse(tokens=9, results=[pb.SearchResult(
            memory=memory_pb2.Memory(name="tenants/acme/memories/m1", content="known fact"),
            score=0.75, similarity=0.875)])

    async def CreateNamespace(self, request: pb.CreateNamespaceRequest,
                              context: object) -> pb.CreateNamespaceResponse:
        self.namespace_calls += 1
        if request.namespace_id in self.namespaces:
            raise AlreadyExists(f"namespace {request.namespace_id} exists")
        self.namespaces[request.namespace_id] = request.namespace
        return pb.CreateNamespaceResponse(namespace=request.namespace)

    async def CreateMemory(self, request: pb.CreateMemoryRequest,
                           context: object) -> pb.CreateMemoryResponse:
        if request.memory.namespace not in self.namespaces:
            raise InvalidArgument.for_field("memory.namespace", "no such namespace",
                                            "NAMESPACE_NOT_FOUND")
        if request.memory_id in self.memories:
            raise AlreadyExists(f"memory {request.memory_id} exists")
        self.memories[request.memory_id] = request.memory
        return pb.CreateMemoryResponse(memory=request.memory)


@pytest.fixture
def fake() -> FakeMemory:
    return FakeMemory()


@pytest.fixture
async def memory(fake: FakeMemory) -> AsyncIterator[MeshMemory]:
    channel = InProcessChannel(fake, "memory.cognition")
    client = ServiceClient("memory", channel_factory=lambda _: channel)
    yield MeshMemory(client)
    await client.close()


def task_memory(task: str = "draft", attempt: int = 1) -> TaskMemory:
    return TaskMemory(
        tenant="acme", namespace="goals.g1", namespace_title="Write release notes",
        memory_id=f"{task}-a{attempt}", request_id=f"remember-{task}-a{attempt}",
        content="Draft: the notes", agent="executor", goal="tenants/acme/goals/g1",
        task=f"tenants/acme/goals/g1/tasks/{task}", importance=0.5, tags=("executor",),
        metadata={"context": "m1:0.750:0.875", "context_count": "1", "attempt": str(attempt)})


async def test_context_is_retrieved_for_the_agent_type_from_every_readable_namespace(
        memory: MeshMemory, fake: FakeMemory) -> None:
    found = await memory.retrieve("acme", "Draft\nthe notes", agent="executor",
                                  token_budget=1000)
    assert found == [ContextMemory("tenants/acme/memories/m1", "known fact", 0.75, 0.875)]
    [request] = fake.retrievals
    assert (request.parent, request.query, request.agent, request.token_budget) == (
        "tenants/acme", "Draft\nthe notes", "executor", 1000)
    assert list(request.namespaces) == []


async def test_a_memory_service_without_context_gives_none_and_is_not_asked_again_soon(
        memory: MeshMemory, fake: FakeMemory) -> None:
    fake.serves_context = False
    assert await memory.retrieve("acme", "q", agent="executor", token_budget=10) == []
    fake.serves_context = True
    assert await memory.retrieve("acme", "q", agent="executor", token_budget=10) == []
    assert fake.retrievals == []


async def test_a_result_is_remembered_in_its_goals_namespace_created_once(
        memory: MeshMemory, fake: FakeMemory) -> None:
    await memory.remember(task_memory("draft"))
    await memory.remember(task_memory("review"))
    await memory.remember(task_memory("draft"))  # stored already: fine

    assert fake.namespace_calls == 1  # this process knows it exists
    namespace = fake.namespaces["goals.g1"]
    assert namespace.kind == namespace_pb2.NAMESPACE_KIND_GOAL
    assert namespace.display_name == "Write release notes"
    assert not (namespace.readers or namespace.writers or namespace.admins)  # the tenant's
    stored = fake.memories["draft-a1"]
    assert stored.kind == memory_pb2.MEMORY_KIND_EPISODIC and stored.namespace == "goals.g1"
    assert (stored.source.agent, stored.source.goal, stored.source.task) == (
        "executor", "tenants/acme/goals/g1", "tenants/acme/goals/g1/tasks/draft")
    assert stored.content == "Draft: the notes" and list(stored.tags) == ["executor"]
    assert stored.importance == pytest.approx(0.5)
    assert dict(stored.metadata)["context"] == "m1:0.750:0.875"
    assert sorted(fake.memories) == ["draft-a1", "review-a1"]


async def test_a_namespace_created_by_another_process_is_fine(
        memory: MeshMemory, fake: FakeMemory) -> None:
    fake.namespaces["goals.g1"] = namespace_pb2.Namespace(display_name="theirs")
    await memory.remember(task_memory())
    assert "draft-a1" in fake.memories and fake.namespaces["goals.g1"].display_name == "theirs"


async def test_a_namespace_deleted_since_it_was_created_is_created_again(
        memory: MeshMemory, fake: FakeMemory) -> None:
    await memory.remember(task_memory("draft"))
    del fake.namespaces["goals.g1"]
    await memory.remember(task_memory("review"))
    assert "goals.g1" in fake.namespaces and "review-a1" in fake.memories
