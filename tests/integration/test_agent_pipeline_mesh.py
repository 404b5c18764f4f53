"""The agent pipeline against the real mesh: a planned goal's first ready task is run by its
agent — model call through the AI runtime (offline provider), output contract, result stored
on the task in the task-planner."""

from __future__ import annotations

import grpc
from google.protobuf import field_mask_pb2

from cognition.agents.v1 import agent_io_pb2
from cognition.memory.v1 import memory_service_pb2_grpc
from cognition.planner.v1 import goal_pb2, task_pb2
from cognition.planner.v1 import planner_service_pb2 as pb
from cognition.planner.v1 import planner_service_pb2_grpc as pb_grpc
from cognition.quality.v1 import quality_service_pb2_grpc
from cognition.runtime.v1 import runtime_service_pb2 as runtime_pb
from cognition.runtime.v1 import runtime_service_pb2_grpc as runtime_grpc
from cognos.mesh.supervisor import Mesh
from shared import context
from shared.agents import AgentPipeline, agent_type
from shared.agents.adapters import MeshMemory, MeshModels, MeshQualityGate, PlannerResults
from shared.client import ServiceClient
from tests.helpers import assert_eventually

AGENT_SCOPES = frozenset({"completions.write", "tasks.write", "memories.read", "policies.read"})


def client(mesh: Mesh, service: str, stub: type) -> ServiceClient:  # type: ignore[type-arg]
    return ServiceClient(mesh.replicas_of(service)[0].address, stub, deadline=30)


async def test_an_agent_runs_a_planned_task_through_the_mesh(
        mesh: Mesh, envoy_channel: grpc.aio.Channel, tenant: str) -> None:
    planner = pb_grpc.PlannerServiceStub(envoy_channel)
    goal = (await planner.CreateGoal(pb.CreateGoalRequest(
        parent=f"tenants/{tenant}",
        goal=goal_pb2.Goal(description="Write release notes for version 2.0")), timeout=10)).goal

    async def ready_task() -> task_pb2.Task | None:
        try:
            listed = await planner.ListTasks(pb.ListTasksRequest(parent=goal.name), timeout=5)
        except grpc.aio.AioRpcError as error:
            assert error.code() is grpc.StatusCode.NOT_FOUND  # no plan yet
            return None
        return next((t for t in listed.tasks if t.state == task_pb2.TASK_STATE_READY), None)

    task = await assert_eventually(ready_task, timeout=30, interval=0.2,
                                   message="the goal is planned and a task is ready")
    running = (await planner.UpdateTask(pb.UpdateTaskRequest(
        task=task_pb2.Task(name=task.name, state=task_pb2.TASK_STATE_RUNNING),
        update_mask=field_mask_pb2.FieldMask(paths=["state"])), timeout=5)).task
    assert running.attempts == 1

    clients = [client(mesh, "memory", memory_service_pb2_grpc.MemoryServiceStub),
               client(mesh, "ai-runtime", runtime_grpc.RuntimeServiceStub),
               client(mesh, "ai-quality-gate", quality_service_pb2_grpc.QualityServiceStub),
               client(mesh, "task-planner", pb_grpc.PlannerServiceStub)]
    pipeline = AgentPipeline(MeshMemory(clients[0]), MeshModels(clients[1]),
                             MeshQualityGate(clients[2]), PlannerResults(clients[3]))
    agent = agent_type(task.agent_role)
    identity = context.CallContext(tenant=tenant, subject="services/agent-orchestrator",
                                   scopes=AGENT_SCOPES)
    try:
        with context.bind(identity):
            run = await pipeline.run(agent, agent_io_pb2.AgentInput(
                task=task.name, goal="Write release notes for version 2.0", title=task.title,
                instructions=task.instructions,
                acceptance_criteria=list(task.acceptance_criteria)),
                tenant=tenant, agent_name="", attempt=1)
    finally:
        for opened in clients:
            await opened.close()

    done = (await planner.ListTasks(pb.ListTasksRequest(parent=goal.name), timeout=5)).tasks
    stored = next(t for t in done if t.name == task.name)
    assert stored.state == task_pb2.TASK_STATE_SUCCEEDED and stored.result == run.result
    assert run.prompt_version.startswith(f"{agent.role}/")
    completion = (await runtime_grpc.RuntimeServiceStub(envoy_channel).GetCompletion(
        runtime_pb.GetCompletionRequest(name=run.completion), timeout=5)).completion
    assert completion.goal == goal.name and completion.role == agent.role
    assert completion.provider == "offline"
