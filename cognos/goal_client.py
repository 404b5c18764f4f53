"""The calls `cognos run` and `cognos demo` make to follow one goal through Envoy, each
outlasting a restart of the service it reaches or of Envoy (:mod:`cognos.reconnect`)."""

from __future__ import annotations

import asyncio
import dataclasses
import functools
import uuid
from collections.abc import AsyncIterator, Sequence

import grpc

from cognition.memory.v1 import memory_service_pb2, memory_service_pb2_grpc
from cognition.orchestrator.v1 import orchestrator_service_pb2, orchestrator_service_pb2_grpc
from cognition.planner.v1 import goal_pb2, planner_service_pb2, planner_service_pb2_grpc, task_pb2
from cognition.runtime.v1 import runtime_service_pb2, runtime_service_pb2_grpc
from cognos.goal_progress import TaskView
from cognos.reconnect import BACKOFF, UNREACHABLE, Reconnecting
from shared.agents.memories import ATTEMPT_KEY, ContextRecord, goal_namespace
from shared.context import AUTHORIZATION_HEADER

ENDED_GOAL_STATES = frozenset({goal_pb2.GOAL_STATE_SUCCEEDED, goal_pb2.GOAL_STATE_FAILED,
                               goal_pb2.GOAL_STATE_CANCELLED})
# A watch that had streamed and then failed with one of these was cut (its server or Envoy
# went away mid-stream, which the client may see as a reset rather than UNAVAILABLE).
STREAM_CUT = UNREACHABLE | {grpc.StatusCode.INTERNAL, grpc.StatusCode.UNKNOWN}
CALL_TIMEOUT = 10.0

GoalEvent = tuple[str, goal_pb2.Goal, task_pb2.Task | None]


class GoalClient:
    """The planner, orchestrator and AI runtime calls made for one tenant, signed in with a
    bearer token on each call (the token interceptor may not reach streaming calls)."""

    def __init__(self, channel: grpc.aio.Channel, token: str, tenant: str,
                 reconnecting: Reconnecting) -> None:
        self._planner = planner_service_pb2_grpc.PlannerServiceStub(channel)
        self._orchestrator = orchestrator_service_pb2_grpc.OrchestratorServiceStub(channel)
        self._runtime = runtime_service_pb2_grpc.RuntimeServiceStub(channel)
        self._memory = memory_service_pb2_grpc.MemoryServiceStub(channel)
        self._tenant = tenant
        self._metadata = [(AUTHORIZATION_HEADER, f"Bearer {token}")]
        self._parent = f"tenants/{tenant}"
        self.reconnecting = reconnecting

    async def create(self, description: str) -> goal_pb2.Goal:
        """Create the goal, once even when the call is made again (one ``request_id``)."""
        request = planner_service_pb2.CreateGoalRequest(
            parent=self._parent, request_id=uuid.uuid4().hex,
            goal=goal_pb2.Goal(description=description, labels={"source": "cognos-demo"}))
        response = await self.reconnecting.call(lambda: self._planner.CreateGoal(
            request, metadata=self._metadata, timeout=CALL_TIMEOUT))
        goal: goal_pb2.Goal = response.goal
        return goal

    async def get(self, name: str) -> goal_pb2.Goal:
        response = await self.reconnecting.call(lambda: self._planner.GetGoal(
            planner_service_pb2.GetGoalRequest(name=name), metadata=self._metadata,
            timeout=CALL_TIMEOUT))
        goal: goal_pb2.Goal = response.goal
        return goal

    async def events(self, name: str) -> AsyncIterator[GoalEvent]:
        """(event type, goal, task or None) from WatchGoal until the goal ends.

        When the stream breaks (the planner or Envoy restarted) the goal is watched again,
        with backoff, and goes on from the last state seen: the tasks and goal the new stream
        repeats as they were are not yielded again.
        """
        seen_tasks: dict[str, task_pb2.Task] = {}
        seen_goal = ""  # the etag of the goal as last yielded
        ended = False
        while True:
            streamed = False
            try:
                async for event in self._planner.WatchGoal(
                        planner_service_pb2.WatchGoalRequest(name=name), metadata=self._metadata):
                    streamed = True
                    self.reconnecting.reached()
                    ended = event.goal.state in ENDED_GOAL_STATES
                    if event.HasField("task"):
                        if seen_tasks.get(event.task.name) == event.task:
                            continue
                        seen_tasks[event.task.name] = event.task
                        yield event.event_type, event.goal, event.task
                    elif event.goal.etag != seen_goal:
                        seen_goal = event.goal.etag
                        yield event.event_type, event.goal, None
            except grpc.aio.AioRpcError as error:
                if ended:
                    return
                if error.code() not in (STREAM_CUT if streamed else UNREACHABLE):
                    raise
                await self.reconnecting.wait(error)
                continue
            if ended:
                return
            await asyncio.sleep(BACKOFF.delay(1))  # closed early (by a proxy): watch again

    async def _list_tasks(self, name: str) -> list[task_pb2.Task]:
        tasks: list[task_pb2.Task] = []
        token = ""
        while True:
            page = await self.reconnecting.call(functools.partial(
                self._planner.ListTasks,
                planner_service_pb2.ListTasksRequest(parent=name, page_size=100,
                                                     page_token=token),
                metadata=self._metadata, timeout=CALL_TIMEOUT))
            tasks.extend(page.tasks)
            token = page.next_page_token
            if not token:
                return tasks

    async def with_agents(self, view: TaskView, task: str) -> TaskView:
        """``view`` with the agents that ran the task's attempts and their errors."""
        response = await self.reconnecting.call(lambda: self._orchestrator.ListExecutions(
            orchestrator_service_pb2.ListExecutionsRequest(parent=self._parent, task=task,
                                                           page_size=100),
            metadata=self._metadata, timeout=CALL_TIMEOUT))
        executions = sorted(response.executions, key=lambda e: e.attempt)  # listed newest first
        agents = tuple(dict.fromkeys(e.agent.rsplit("/", 1)[-1] for e in executions))
        errors = tuple(f"attempt {e.attempt}: {e.error}" for e in executions if e.error)
        return dataclasses.replace(view, agents=agents, errors=errors)

    async def tasks_with_agents(self, name: str) -> Sequence[TaskView]:
        """The goal's current tasks in dependency order, each with its agents."""
        try:
            tasks = await self._list_tasks(name)
        except grpc.aio.AioRpcError as error:
            if error.code() != grpc.StatusCode.NOT_FOUND:  # no plan yet
                raise
            return []
        return await asyncio.gather(*(self.with_agents(TaskView.of(t), t.name) for t in tasks))

    async def usage(self, name: str) -> runtime_service_pb2.UsageRow:
        """The goal's summed tokens and cost as the AI runtime metered them."""
        response = await self.reconnecting.call(lambda: self._runtime.GetUsage(
            runtime_service_pb2.GetUsageRequest(
                parent=self._parent, group_by=runtime_service_pb2.USAGE_GROUP_BY_GOAL),
            metadata=self._metadata, timeout=CALL_TIMEOUT))
        return next((row for row in response.rows if row.key == name),
                    runtime_service_pb2.UsageRow(key=name))

    async def models(self, name: str) -> dict[str, int]:
        """How many of the goal's completions each ``provider/model`` answered."""
        answered: dict[str, int] = {}
        page_token = ""
        while True:
            request = runtime_service_pb2.ListCompletionsRequest(
                parent=self._parent, filter=f'goal = "{name}"', page_size=100,
                page_token=page_token)
            response = await self.reconnecting.call(functools.partial(
                self._runtime.ListCompletions, request, metadata=self._metadata,
                timeout=CALL_TIMEOUT))
            for completion in response.completions:
                key = f"{completion.provider}/{completion.model}"
                answered[key] = answered.get(key, 0) + 1
            page_token = response.next_page_token
            if not page_token:
                return answered

    async def memories_used(self, name: str) -> dict[str, ContextRecord]:
        """The memories each task of goal ``name`` was given as context, by task id, as the
        memory of its result records them (its latest attempt's; a task whose result was
        not remembered has none).

        Raises:
            grpc.aio.AioRpcError: Memory could not be read.
        """
        records: dict[str, tuple[int, ContextRecord]] = {}
        page_token = ""
        while True:
            request = memory_service_pb2.ListMemoriesRequest(
                parent=self._parent, filter=f'namespace = "{goal_namespace(name)}"',
                page_size=100, page_token=page_token)
            response = await self.reconnecting.call(functools.partial(
                self._memory.ListMemories, request, metadata=self._metadata,
                timeout=CALL_TIMEOUT))
            for memory in response.memories:
                if not memory.source.task.startswith(f"{name}/tasks/"):
                    continue  # not a task's result
                task = memory.source.task.rsplit("/", 1)[-1]
                attempt = _attempt(memory.metadata.get(ATTEMPT_KEY, ""))
                if task not in records or records[task][0] < attempt:
                    records[task] = (attempt, ContextRecord.of(memory.metadata, self._tenant))
            page_token = response.next_page_token
            if not page_token:
                return {task: record for task, (_, record) in records.items()}


def _attempt(text: str) -> int:
    return int(text) if text.isdigit() else 0
