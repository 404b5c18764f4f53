"""Domain models of the task-planner."""

from __future__ import annotations

import dataclasses
import datetime as dt
import enum
from collections.abc import Callable
from typing import Protocol

from shared.resources.entity import Entity, utc_now


class AuditedCall(Protocol):
    """The audit entry of a call a change serves, opaque to the domain: it is carried to the
    store, which writes it in the change's transaction (the RPC runtime's ``CallAudit``)."""


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
    state_reason: str = ""  # why it failed, is paused or is planned again; else empty


class TaskState(enum.StrEnum):
    """Lifecycle of a task (``cognition.planner.v1.TaskState``)."""

    BLOCKED = "BLOCKED"
    READY = "READY"
    RUNNING = "RUNNING"
    SUCCEEDED = "SUCCEEDED"
    FAILED = "FAILED"
    SKIPPED = "SKIPPED"
    CANCELLED = "CANCELLED"

    @property
    def satisfies_dependents(self) -> bool:
        """Whether tasks depending on one in this state may run."""
        return self in (TaskState.SUCCEEDED, TaskState.SKIPPED)

    @property
    def ended(self) -> bool:
        return self in (TaskState.SUCCEEDED, TaskState.FAILED, TaskState.SKIPPED,
                        TaskState.CANCELLED)


@dataclasses.dataclass(frozen=True, kw_only=True)
class Task:
    """One node of a plan's DAG: a unit of work for one agent role.

    ``id`` is unique within its plan; ``depends_on`` holds ids of tasks of the same plan.
    """

    id: str
    title: str = ""
    instructions: str = ""
    agent_role: str = ""
    depends_on: tuple[str, ...] = ()
    tools: tuple[str, ...] = ()
    acceptance_criteria: tuple[str, ...] = ()
    critical: bool = False
    state: TaskState = TaskState.BLOCKED
    result: str = ""
    attempts: int = 0
    start_time: dt.datetime | None = None
    end_time: dt.datetime | None = None
    create_time: dt.datetime = dataclasses.field(default_factory=utc_now)
    update_time: dt.datetime = dataclasses.field(default_factory=utc_now)


@dataclasses.dataclass(frozen=True, kw_only=True)
class PlanDraft:
    """A plan as drafted (by a model or a person), before validation and storage."""

    tasks: tuple[Task, ...]
    complexity: int = 1


@dataclasses.dataclass(frozen=True, kw_only=True)
class Plan:
    """A goal decomposed into a DAG of tasks; revision 1 is the goal's first plan."""

    tenant: str
    goal_id: str
    id: str
    revision: int
    complexity: int
    replan_reason: str = ""
    tasks: tuple[Task, ...] = ()
    create_time: dt.datetime = dataclasses.field(default_factory=utc_now)

    def task(self, task_id: str) -> Task | None:
        """The task ``task_id`` of this plan, if it has one."""
        return next((t for t in self.tasks if t.id == task_id), None)


@dataclasses.dataclass(frozen=True, kw_only=True)
class ReadyWork:
    """A READY task of a running goal with what its agent needs: the goal's description and
    the results of the task's dependencies (by task id)."""

    tenant: str
    goal_id: str
    goal_description: str
    task: Task
    upstream_results: dict[str, str] = dataclasses.field(default_factory=dict)


@dataclasses.dataclass(frozen=True)
class GoalEvent:
    """One progress event of a goal: the goal as of the event and, for task events, the task."""

    goal: Goal
    event_type: str
    event_time: dt.datetime
    task: Task | None = None


@dataclasses.dataclass(frozen=True)
class GoalChange:
    """What one atomic change of a goal writes: the goal itself (None: unchanged), a new
    plan to insert (None: none), changed tasks of the current plan, and the audit entries of
    the calls the change serves (written in the same transaction)."""

    goal: Goal | None = None
    new_plan: Plan | None = None
    tasks: tuple[Task, ...] = ()
    audited: tuple[AuditedCall, ...] = ()

    def plan_after(self, current: Plan | None) -> Plan | None:
        """The goal's current plan once this change (made to the ``current`` plan) is
        written."""
        if self.new_plan is not None:
            return self.new_plan
        if current is None or not self.tasks:
            return current
        changed = {t.id: t for t in self.tasks}
        return dataclasses.replace(current,
                                   tasks=tuple(changed.get(t.id, t) for t in current.tasks))


@dataclasses.dataclass(frozen=True)
class WrittenGoalChange:
    """A change as written, with the goal and its current plan as they are after it."""

    change: GoalChange
    goal: Goal
    plan: Plan | None


DecideGoalChange = Callable[[Goal, Plan | None], GoalChange]
"""``(goal, its current plan or None) -> the change to write``; may raise to write nothing."""
