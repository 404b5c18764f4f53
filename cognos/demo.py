"""The main job on the embedded profile: start the mesh, sign in, check the edge over REST, run
a real goal end to end over gRPC with a live progress display, report it, stop."""

from __future__ import annotations

import asyncio
import contextlib
import dataclasses
import pathlib
from collections.abc import AsyncIterator, Sequence
from typing import Any

import grpc
from rich.console import Console
from rich.live import Live

from cognition.orchestrator.v1 import orchestrator_service_pb2, orchestrator_service_pb2_grpc
from cognition.planner.v1 import goal_pb2, planner_service_pb2, planner_service_pb2_grpc, task_pb2
from cognition.runtime.v1 import runtime_service_pb2, runtime_service_pb2_grpc
from cognos import rest
from cognos.credentials import issue_token, read_secret
from cognos.goal_progress import (
    GoalProgress,
    TaskView,
    final_answer,
    last_task,
    plan_tree,
    task_report,
    usage_line,
)
from cognos.mesh.supervisor import Mesh, MeshLayout

TENANT = "demo"
# Two listed items: the offline planner drafts one research task per item (in parallel), then
# a draft, a critique and a summary.
DEFAULT_GOAL = "Compare two databases for an embedded analytics app: SQLite and DuckDB"
SCOPES = ("goals.read", "goals.write", "tasks.read", "completions.read")
ENDED_GOAL_STATES = frozenset({goal_pb2.GOAL_STATE_SUCCEEDED, goal_pb2.GOAL_STATE_FAILED,
                               goal_pb2.GOAL_STATE_CANCELLED})
# WatchGoal failures after which polling still works (e.g. a stream cut by a proxy).
POLL_INSTEAD = frozenset({grpc.StatusCode.UNIMPLEMENTED, grpc.StatusCode.UNAVAILABLE,
                          grpc.StatusCode.INTERNAL, grpc.StatusCode.UNKNOWN})
POLL_INTERVAL = 0.5


async def run(var: pathlib.Path, console: Console, *, goal: str = DEFAULT_GOAL,
              timeout: float = 120.0) -> bool:
    """Start all services and Envoy, sign in, run ``goal`` to its end, stop. Returns whether
    the goal succeeded within ``timeout`` seconds."""
    mesh = Mesh(MeshLayout.ephemeral(var / "demo"))
    with console.status("starting 11 services and Envoy"):
        seconds = await mesh.start()
    console.print(f"[green]mesh ready in {seconds:.1f}s[/green] — Envoy at {mesh.envoy_address}, "
                  f"{mesh.total_rss() / 2**20:.0f} MiB resident")
    try:
        base = f"http://{mesh.envoy_address}"
        await _rest_check(console, base, "without a token", "GET", f"/v1/tenants/{TENANT}/goals")
        # The platform's bootstrap admin key (written by auth on first start, mode 0600) buys
        # a token acting in the demo tenant.
        token = await issue_token(mesh.envoy_address,
                                  read_secret(mesh.layout.bootstrap_key_file),
                                  tenant=TENANT, scopes=SCOPES)
        console.print(f"signed in: a bearer token for tenants/{TENANT} with scopes "
                      f"{' '.join(SCOPES)}", soft_wrap=True)
        headers = {"authorization": f"Bearer {token}"}
        await _rest_check(console, base, "a goal with an empty description", "POST",
                          f"/v1/tenants/{TENANT}/goals", {"description": ""}, headers)
        outcome = await run_goal(mesh.envoy_address, token, TENANT, goal, console,
                                 timeout=timeout)
        await _rest_check(console, base, "the goal", "GET", f"/v1/{outcome.goal}", None, headers)
        return outcome.succeeded
    finally:
        with console.status("stopping"):
            await mesh.stop()
        console.print("mesh stopped")


async def _rest_check(console: Console, base: str, what: str, method: str, path: str,
                      body: dict[str, Any] | None = None,
                      headers: dict[str, str] | None = None) -> None:
    status, answer = await asyncio.to_thread(rest.call, base, method, path, body, headers)
    console.print(f"REST via Envoy, {what}: {method} {path} -> [bold]{status}[/bold] "
                  f"{_summary(answer)}", highlight=False, soft_wrap=True)


def _summary(body: Any) -> str:
    """The gist of a REST answer: a google.rpc.Status's message and field violations, or a
    resource's state."""
    if not isinstance(body, dict):
        return str(body)[:120]
    resource = next(iter(body.values())) if len(body) == 1 else body  # {"goal": {...}}
    if isinstance(resource, dict) and "state" in resource:
        return f"state {resource['state']}"
    message = str(body.get("message", ""))
    violations = [f"{v.get('field')}: {v.get('description')}"
                  for detail in body.get("details", []) for v in detail.get("fieldViolations", [])]
    return "; ".join([message, *(v for v in dict.fromkeys(violations) if v not in message)])


@dataclasses.dataclass(frozen=True)
class GoalOutcome:
    """How a goal run by the demo ended."""

    goal: str
    state: str
    succeeded: bool


async def run_goal(address: str, token: str, tenant: str, description: str, console: Console,
                   *, timeout: float = 120.0) -> GoalOutcome:
    """Submit a goal over gRPC, show its progress live until it ends (or ``timeout``), then
    print its plan, tasks, usage and answer."""
    async with grpc.aio.insecure_channel(address) as channel:
        goals = GoalClient(channel, token, tenant)
        created = await goals.create(description)
        console.print(f"gRPC via Envoy: PlannerService/CreateGoal -> [bold]{created.name}[/bold]"
                      f" \"{description}\"", highlight=False, soft_wrap=True)
        progress = GoalProgress(created.name)
        live = (Live(progress, console=console, refresh_per_second=4) if console.is_terminal
                else contextlib.nullcontext())
        finished = True
        with live:
            try:
                async with asyncio.timeout(timeout):
                    await _follow(goals, progress, console)
            except TimeoutError:
                finished = False
        goal = await goals.get(created.name)
        tasks = await goals.tasks_with_agents(created.name)
        usage = await goals.usage(created.name)
    state = goal_pb2.GoalState.Name(goal.state).removeprefix("GOAL_STATE_")
    console.print(plan_tree(goal.name, goal.description, tasks))
    console.print(task_report(tasks))
    console.print(usage_line(usage.usage.cost_micros, usage.usage.input_tokens,
                             usage.usage.output_tokens, usage.completion_count))
    console.print(final_answer(last_task(tasks), state))
    succeeded = goal.state == goal_pb2.GOAL_STATE_SUCCEEDED
    if succeeded:
        console.print(f"[green]goal SUCCEEDED[/green] in {progress.since_start().strip()}")
    elif not finished:
        console.print(f"[red]goal did not end within {timeout:g}s (still {state})[/red]")
    else:
        console.print(f"[red]goal ended {state}[/red]")
    return GoalOutcome(goal.name, state, succeeded)


async def _follow(goals: GoalClient, progress: GoalProgress, console: Console) -> None:
    """Feed ``progress`` from the goal's events until it ends; print a line per event when
    there is no live display."""
    printed = ""  # the goal's state as last printed
    async for event_type, goal, task in goals.events(progress.goal):
        progress.goal_state = goal_pb2.GoalState.Name(goal.state).removeprefix("GOAL_STATE_")
        view = None
        if task is not None:
            view = progress.update(TaskView.of(task))
            if not view.agents and view.state not in ("BLOCKED", "READY"):
                view = progress.update(await goals.with_agents(view, task.name))
        elif printed == progress.goal_state:
            continue  # the goal changed but kept its state (a task moved on)
        else:
            printed = progress.goal_state
        if not console.is_terminal:
            console.print(progress.event_line(event_type, view), highlight=False)


class GoalClient:
    """The planner, orchestrator and AI runtime calls the demo makes for one tenant, signed in
    with a bearer token on each call (the token interceptor may not reach streaming calls)."""

    def __init__(self, channel: grpc.aio.Channel, token: str, tenant: str) -> None:
        self._planner = planner_service_pb2_grpc.PlannerServiceStub(channel)
        self._orchestrator = orchestrator_service_pb2_grpc.OrchestratorServiceStub(channel)
        self._runtime = runtime_service_pb2_grpc.RuntimeServiceStub(channel)
        self._metadata = [("authorization", f"Bearer {token}")]
        self._parent = f"tenants/{tenant}"

    async def create(self, description: str) -> goal_pb2.Goal:
        response = await self._planner.CreateGoal(planner_service_pb2.CreateGoalRequest(
            parent=self._parent, goal=goal_pb2.Goal(description=description,
                                                    labels={"source": "cognos-demo"})),
            metadata=self._metadata, timeout=10)
        goal: goal_pb2.Goal = response.goal
        return goal

    async def get(self, name: str) -> goal_pb2.Goal:
        response = await self._planner.GetGoal(planner_service_pb2.GetGoalRequest(name=name),
                                               metadata=self._metadata, timeout=10)
        goal: goal_pb2.Goal = response.goal
        return goal

    async def events(self, name: str
                     ) -> AsyncIterator[tuple[str, goal_pb2.Goal, task_pb2.Task | None]]:
        """(event type, goal, task or None) until the goal ends: WatchGoal's events, or the
        same made by polling GetGoal and ListTasks when the stream is not available."""
        try:
            async for event in self._planner.WatchGoal(
                    planner_service_pb2.WatchGoalRequest(name=name), metadata=self._metadata):
                yield event.event_type, event.goal, event.task if event.HasField("task") else None
            return
        except grpc.aio.AioRpcError as error:
            if error.code() not in POLL_INSTEAD:
                raise
        seen: dict[str, task_pb2.Task] = {}
        seen_state = -1
        while True:
            goal = await self.get(name)
            tasks = await self._list_tasks(name) if goal.plan else []
            for task in tasks:
                if seen.get(task.name) != task:
                    seen[task.name] = task
                    yield f"task.{_state(task_pb2.TaskState, task.state)}", goal, task
            if goal.state != seen_state:
                seen_state = goal.state
                yield f"goal.{_state(goal_pb2.GoalState, goal.state)}", goal, None
            if goal.state in ENDED_GOAL_STATES:
                return
            await asyncio.sleep(POLL_INTERVAL)

    async def _list_tasks(self, name: str) -> list[task_pb2.Task]:
        tasks: list[task_pb2.Task] = []
        token = ""
        while True:
            page = await self._planner.ListTasks(planner_service_pb2.ListTasksRequest(
                parent=name, page_size=100, page_token=token), metadata=self._metadata,
                timeout=10)
            tasks.extend(page.tasks)
            token = page.next_page_token
            if not token:
                return tasks

    async def with_agents(self, view: TaskView, task: str) -> TaskView:
        """``view`` with the agents that ran the task's attempts and their errors."""
        response = await self._orchestrator.ListExecutions(
            orchestrator_service_pb2.ListExecutionsRequest(parent=self._parent, task=task,
                                                           page_size=100),
            metadata=self._metadata, timeout=10)
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
        response = await self._runtime.GetUsage(runtime_service_pb2.GetUsageRequest(
            parent=self._parent, group_by=runtime_service_pb2.USAGE_GROUP_BY_GOAL),
            metadata=self._metadata, timeout=10)
        return next((row for row in response.rows if row.key == name),
                    runtime_service_pb2.UsageRow(key=name))


def _state(enum: Any, value: int) -> str:
    """``TASK_STATE_RUNNING`` -> ``running``, as WatchGoal names its events."""
    return str(enum.Name(value)).split("_STATE_", 1)[-1].lower()
