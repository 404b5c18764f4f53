"""What the orchestrator needs from other services, as ports (mesh clients in ``mesh.py``)."""

from __future__ import annotations

import dataclasses
from typing import Protocol

from services.agent_orchestrator.core.models import ReadyTask


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
