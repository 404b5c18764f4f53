"""The main job on the embedded profile: start the mesh, sign in, check the edge over REST, run
a real goal end to end over gRPC with a live progress display, report it, stop."""

from __future__ import annotations

import asyncio
import contextlib
import dataclasses
import pathlib
from typing import Any

import grpc
from rich.console import Console
from rich.live import Live
from rich.text import Text

from cognition.planner.v1 import goal_pb2
from cognos import rest
from cognos.credentials import ensure_tenant, issue_token, read_secret
from cognos.goal_client import GoalClient
from cognos.goal_progress import (
    GoalProgress,
    TaskView,
    final_answer,
    last_task,
    models_line,
    plan_tree,
    task_report,
    usage_line,
    with_memories,
)
from cognos.mesh.supervisor import Mesh, MeshLayout
from cognos.reconnect import CHANNEL_OPTIONS, Reconnecting
from shared.context import AUTHORIZATION_HEADER

TENANT = "demo"
# Two listed items: the offline planner drafts one research task per item (in parallel), then
# a draft, a critique and a summary.
DEFAULT_GOAL = "Compare two databases for an embedded analytics app: SQLite and DuckDB"
SCOPES = ("goals.read", "goals.write", "tasks.read", "completions.read", "memories.read")
# Once the goal ended (or the time ran out), how long the report's reads may wait for a mesh
# that is restarting.
REPORT_GRACE = 15.0


async def run(var: pathlib.Path, console: Console, *, goal: str = DEFAULT_GOAL,
              timeout: float = 600.0, models: tuple[str, ...] = ()) -> bool:
    """Start all services, Envoy and the server of the local ``models`` (none: the offline
    provider answers), restarting any that dies meanwhile; sign in, run ``goal`` to its end,
    stop. Returns whether the goal succeeded within ``timeout`` seconds."""
    mesh = Mesh(MeshLayout.ephemeral(var / "demo", models=models), report=console.print)
    if models:
        console.print(f"agents think with the local model {models[0]} "
                      f"(`--offline` for the rule-based provider)")
    else:
        console.print("[yellow]offline: every answer is derived by fixed rules, not by a "
                      "model[/yellow]")
    with console.status("starting 11 services and Envoy"
                        + (" and the local model server" if models else "")):
        seconds = await mesh.start()
    console.print(f"[green]mesh ready in {seconds:.1f}s[/green] — Envoy at {mesh.envoy_address}, "
                  f"{mesh.total_rss() / 2**20:.0f} MiB resident")
    stop_supervising = asyncio.Event()
    supervising = asyncio.create_task(mesh.supervise(stop_supervising))
    try:
        base = f"http://{mesh.envoy_address}"
        await _rest_check(console, base, "without a token", "GET", f"/v1/tenants/{TENANT}/goals")
        # The platform's bootstrap admin key (written by auth on first start, mode 0600)
        # creates the demo tenant and buys a token acting in it.
        admin_key = read_secret(mesh.layout.bootstrap_key_file)
        await ensure_tenant(mesh.envoy_address, await issue_token(mesh.envoy_address, admin_key),
                            TENANT)
        token = await issue_token(mesh.envoy_address, admin_key, tenant=TENANT, scopes=SCOPES)
        console.print(f"signed in: a bearer token for tenants/{TENANT} with scopes "
                      f"{' '.join(SCOPES)}", soft_wrap=True)
        headers = {AUTHORIZATION_HEADER: f"Bearer {token}"}
        await _rest_check(console, base, "a goal with an empty description", "POST",
                          f"/v1/tenants/{TENANT}/goals", {"description": ""}, headers)
        outcome = await run_goal(mesh.envoy_address, token, TENANT, goal, console,
                                 timeout=timeout)
        await _rest_check(console, base, "the goal", "GET", f"/v1/{outcome.goal}", None, headers)
        return outcome.succeeded
    finally:
        stop_supervising.set()
        await supervising
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
    print its plan, tasks, usage and answer. A restart of a service or of Envoy meanwhile is
    waited out (the calls are made again and the goal watched again) within ``timeout``."""
    loop = asyncio.get_running_loop()
    reconnecting = Reconnecting(loop.time() + timeout, lambda note: console.print(
        Text(note, "yellow"), highlight=False, soft_wrap=True))
    async with grpc.aio.insecure_channel(address, options=CHANNEL_OPTIONS) as channel:
        goals = GoalClient(channel, token, tenant, reconnecting)
        created = await goals.create(description)
        console.print(f"gRPC via Envoy: PlannerService/CreateGoal -> [bold]{created.name}[/bold]"
                      f" \"{description}\"", highlight=False, soft_wrap=True)
        progress = GoalProgress(created.name)
        live = (Live(progress, console=console, refresh_per_second=4) if console.is_terminal
                else contextlib.nullcontext())
        finished = True
        with live:
            try:
                async with asyncio.timeout_at(reconnecting.deadline):
                    await _follow(goals, progress, console)
            except TimeoutError:
                finished = False
        reconnecting.deadline = max(reconnecting.deadline, loop.time() + REPORT_GRACE)
        goal = await goals.get(created.name)
        tasks = await goals.tasks_with_agents(created.name)
        usage = await goals.usage(created.name)
        models = await goals.models(created.name)
        try:
            tasks = with_memories(tasks, await goals.memories_used(created.name))
        except grpc.aio.AioRpcError as error:  # memory is best effort: a report without it
            console.print(f"[yellow]memories used: not available ({error.code().name})"
                          "[/yellow]")
    state = goal_pb2.GoalState.Name(goal.state).removeprefix("GOAL_STATE_")
    console.print(plan_tree(goal.name, goal.description, tasks))
    console.print(task_report(tasks))
    console.print(usage_line(usage.usage.cost_micros, usage.usage.input_tokens,
                             usage.usage.output_tokens, usage.completion_count))
    console.print(models_line(models), highlight=False)
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
