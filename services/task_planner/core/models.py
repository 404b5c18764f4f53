"""Domain models of the task-planner."""

from __future__ import annotations

import dataclasses
import enum

from shared.database import Entity


class GoalState(enum.StrEnum):
    """Lifecycle of a goal."""

    PENDING = "PENDING"
    PLANNING = "PLANNING"
    RUNNING = "RUNNING"
    PAUSED = "PAUSED"
    SUCCEEDED = "SUCCEEDED"
    FAILED = "FAILED"
    CANCELLED = "CANCELLED"

    @property
    def ended(self) -> bool:
        return self in (GoalState.SUCCEEDED, GoalState.FAILED, GoalState.CANCELLED)


class GoalPriority(enum.StrEnum):
    """Scheduling priority of a goal."""

    LOW = "LOW"
    NORMAL = "NORMAL"
    HIGH = "HIGH"


@dataclasses.dataclass(frozen=True, kw_only=True)
class Goal(Entity):
    """A goal submitted by a user or program."""

    description: str
    state: GoalState = GoalState.PENDING
    priority: GoalPriority = GoalPriority.NORMAL
    labels: dict[str, str] = dataclasses.field(default_factory=dict)
    plan: str = ""
