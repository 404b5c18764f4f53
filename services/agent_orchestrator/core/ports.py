"""What the orchestrator needs from other services (mesh clients in ``peers/``) and from the
host of its built-in agents (``agent_host.py``), as ports."""

from __future__ import annotations

import dataclasses
from collections.abc import Iterable
from typing import Protocol

from services.agent_orchestrator.core.models import Assignment, Execution, ReadyTask


@dataclasses.dataclass(frozen=True, kw_only=True)
class RaisedAlert:
    """An alert for an operator: what is wrong, and the goal, task and agent it is about."""

    tenant: str
    summary: str
    description: str
    labels: dict[str, str]
    request_id: str


class TaskBoard(Protocol):
    """The task-planner: which tasks may start, and what became of them.

    Every change names the task's ``attempts``: the number of its latest execution, which
    the planner's Task.attempts follows. Changing a task to the state it already has
    changes only its attempts; a change the planner refuses (the goal ended or was
    deleted, the transition is not allowed) raises the mesh's FailedPrecondition or
    NotFound.
    """

    async def reachable(self, timeout: float) -> bool:
        """Wait up to ``timeout`` seconds until the planner can be reached; returns whether
        it can."""

    async def ready(self, limit: int, wait: float = 0.0) -> list[ReadyTask]:
        """Up to ``limit`` ready tasks; when none is, waits up to ``wait`` seconds for one."""

    async def started(self, task: str, attempts: int) -> None:
        """The task runs its attempt number ``attempts`` (a retry too)."""

    async def succeeded(self, task: str, attempts: int, result: str) -> None: ...

    async def failed(self, task: str, attempts: int) -> None: ...

    async def skipped(self, task: str, attempts: int) -> None: ...

    async def returned(self, task: str, attempts: int) -> None:
        """The task is READY again (it waits for an operator, then another attempt)."""

    async def pause_goal(self, goal: str, reason: str) -> None: ...


class Alerts(Protocol):
    """Where operators are notified (the observability service)."""

    async def raise_alert(self, alert: RaisedAlert) -> None: ...


class BuiltinAgents(Protocol):
    """The built-in agents this replica registers, heartbeats and runs."""

    async def start(self) -> None:
        """Take over this replica's agents as stored, and run what they were running."""

    async def ensure_agents(self, needs: Iterable[tuple[str, str]]) -> None:
        """Register a built-in agent for each (tenant, role) that has no agent of its own."""

    def run(self, assignment: Assignment, execution: Execution, *,
            report_start: bool = True) -> None:
        """Run ``execution`` in the background unless it runs already; the planner hears of
        its start (unless ``report_start`` is False: the caller tells it)."""

    async def recover(self) -> int:
        """Run every RUNNING execution of these agents not running here; returns how many
        were started."""

    async def heartbeat(self) -> None:
        """Heartbeat every built-in agent (which also extends their leases)."""

    async def stop(self) -> None:
        """Stop running executions; the store keeps them RUNNING for the next life."""
