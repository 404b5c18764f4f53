"""``MeshTaskBoard``: the task-planner as the orchestrator's :class:`TaskBoard`, called with the
orchestrator's own service identity."""

from __future__ import annotations

import datetime as dt

from google.protobuf import field_mask_pb2

from cognition.agents.v1 import agent_io_pb2
from cognition.planner.v1 import planner_service_pb2, task_pb2
from services.agent_orchestrator.config import SUBJECT
from services.agent_orchestrator.core.models import ReadyTask
from shared import context
from shared.mesh.client import ServiceClient
from shared.mesh.methods import Unary

LIST_READY_TASKS = Unary.of(planner_service_pb2.ListReadyTasksRequest,
                             planner_service_pb2.ListReadyTasksResponse)
PAUSE_GOAL = Unary.of(planner_service_pb2.PauseGoalRequest, planner_service_pb2.PauseGoalResponse)
UPDATE_TASK = Unary.of(planner_service_pb2.UpdateTaskRequest,
                        planner_service_pb2.UpdateTaskResponse)

# Deadline of a ListReadyTasks call beyond its wait.
READY_DEADLINE = 10.0
PLANNER_SCOPES = frozenset({"tasks.dispatch", "tasks.write", "goals.write"})


def _as(tenant: str, scopes: frozenset[str]) -> context.CallContext:
    return context.CallContext(tenant=tenant, subject=SUBJECT, scopes=scopes)


def _tenant(name: str) -> str:
    """``tenants/acme/...`` -> ``acme``."""
    return name.split("/")[1]


def ready_task(ready: planner_service_pb2.ReadyTask) -> ReadyTask:
    """The orchestrator's view of a planner's ready task, with the agent's input packed."""
    task = ready.task
    goal = task.name.rsplit("/tasks/", 1)[0]
    agent_input = agent_io_pb2.AgentInput(
        task=task.name, goal=ready.goal_description, title=task.title,
        instructions=task.instructions, acceptance_criteria=list(task.acceptance_criteria),
        upstream_results=dict(ready.upstream_results))
    return ReadyTask(name=task.name, goal=goal, role=task.agent_role,
                     required_capabilities=tuple(task.tools), critical=task.critical,
                     input=agent_input.SerializeToString(), attempts=task.attempts)


class MeshTaskBoard:
    """The task-planner's ready tasks and task updates."""

    def __init__(self, client: ServiceClient):
        self._client = client

    async def reachable(self, timeout: float) -> bool:
        return await self._client.reachable(timeout)

    async def ready(self, limit: int, wait: float = 0.0) -> list[ReadyTask]:
        request = planner_service_pb2.ListReadyTasksRequest(parent="tenants/-",
                                                            page_size=limit)
        request.max_wait.FromTimedelta(dt.timedelta(seconds=wait))
        with context.bind(_as("", PLANNER_SCOPES)):
            response = await self._client.call(LIST_READY_TASKS, request,
                                               timeout=wait + READY_DEADLINE, idempotent=True)
        return [ready_task(r) for r in response.ready_tasks]

    async def started(self, task: str, attempts: int) -> None:
        await self._update(task, task_pb2.TASK_STATE_RUNNING, attempts)

    async def succeeded(self, task: str, attempts: int, result: str) -> None:
        await self._update(task, task_pb2.TASK_STATE_SUCCEEDED, attempts, result)

    async def failed(self, task: str, attempts: int) -> None:
        await self._update(task, task_pb2.TASK_STATE_FAILED, attempts)

    async def skipped(self, task: str, attempts: int) -> None:
        await self._update(task, task_pb2.TASK_STATE_SKIPPED, attempts)

    async def returned(self, task: str, attempts: int) -> None:
        await self._update(task, task_pb2.TASK_STATE_READY, attempts)

    async def pause_goal(self, goal: str, reason: str) -> None:
        with context.bind(_as(_tenant(goal), PLANNER_SCOPES)):
            await self._client.call(PAUSE_GOAL, planner_service_pb2.PauseGoalRequest(
                name=goal, reason=reason[:2000]), idempotent=True)

    async def _update(self, task: str, state: int, attempts: int,
                      result: str | None = None) -> None:
        paths = ["state", "attempts"] + ([] if result is None else ["result"])
        with context.bind(_as(_tenant(task), PLANNER_SCOPES)):
            # Moving a task to the state it has is a no-op, so a retried update is harmless.
            await self._client.call(UPDATE_TASK, planner_service_pb2.UpdateTaskRequest(
                task=task_pb2.Task(name=task, state=state, result=result or "",  # type: ignore[arg-type]
                                   attempts=attempts),
                update_mask=field_mask_pb2.FieldMask(paths=paths)), idempotent=True)


    async def close(self) -> None:
        await self._client.close()

