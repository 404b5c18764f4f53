"""Domain models of the agent-orchestrator."""

from __future__ import annotations

import dataclasses
import datetime as dt
import enum
from collections.abc import Callable

from shared.resources.entity import Entity, new_etag, utc_now


class AgentState(enum.StrEnum):
    """Health of an agent, derived from its heartbeats and failures."""

    HEALTHY = "HEALTHY"
    UNHEALTHY = "UNHEALTHY"
    DRAINING = "DRAINING"
    OFFLINE = "OFFLINE"


class AssignmentStrategy(enum.StrEnum):
    """How ready tasks are spread over the agents of a role."""

    ROUND_ROBIN = "ROUND_ROBIN"
    LEAST_LOADED = "LEAST_LOADED"
    CAPABILITY_MATCH = "CAPABILITY_MATCH"


class FailureStrategy(enum.StrEnum):
    """What happens to a task when its agent fails it."""

    RETRY = "RETRY"
    SKIP = "SKIP"
    REASSIGN = "REASSIGN"
    ESCALATE = "ESCALATE"


@dataclasses.dataclass(frozen=True, kw_only=True)
class Agent(Entity):
    """A registered agent worker that takes tasks of its role."""

    display_name: str
    role: str
    capabilities: list[str] = dataclasses.field(default_factory=list)
    max_concurrency: int = 1
    assignment_strategy: AssignmentStrategy = AssignmentStrategy.ROUND_ROBIN
    failure_strategy: FailureStrategy = FailureStrategy.RETRY
    state: AgentState = AgentState.HEALTHY
    last_heartbeat_time: dt.datetime = dataclasses.field(default_factory=utc_now)
    active_assignments: int = 0


class AssignmentState(enum.StrEnum):
    """Lifecycle of an assignment (one task bound to one agent)."""

    PENDING = "PENDING"
    RUNNING = "RUNNING"
    SUCCEEDED = "SUCCEEDED"
    FAILED = "FAILED"
    REASSIGNED = "REASSIGNED"
    CANCELLED = "CANCELLED"
    SKIPPED = "SKIPPED"
    ESCALATED = "ESCALATED"

    @property
    def live(self) -> bool:
        """Whether the assignment still holds its agent's capacity."""
        return self in (AssignmentState.PENDING, AssignmentState.RUNNING)

    @property
    def planner_hears(self) -> bool:
        """Whether the task-planner must hear of an assignment entering this state (a task
        started or ended; a retry waiting, a reassignment or a cancellation changes nothing
        there)."""
        return self in (AssignmentState.RUNNING, AssignmentState.SUCCEEDED,
                        AssignmentState.FAILED, AssignmentState.SKIPPED,
                        AssignmentState.ESCALATED)


class ExecutionState(enum.StrEnum):
    """Lifecycle of one execution attempt."""

    RUNNING = "RUNNING"
    SUCCEEDED = "SUCCEEDED"
    FAILED = "FAILED"
    TIMED_OUT = "TIMED_OUT"
    CANCELLED = "CANCELLED"


@dataclasses.dataclass(frozen=True, kw_only=True)
class ReadyTask:
    """A task of a goal that may start now, as the planner hands it over.

    Attributes:
        name: ``tenants/{tenant}/goals/{goal}/tasks/{task}``.
        goal: ``tenants/{tenant}/goals/{goal}``.
        role: The agent role that takes it.
        required_capabilities: Tools/capabilities the agent must offer (capability matching).
        critical: Whether the goal cannot succeed without it (a non-critical task may be skipped).
        input: What the agent is given (a serialized ``cognition.agents.v1.AgentInput``).
        attempts: Attempts the task has had (an escalated task, resumed, goes on counting).
    """

    name: str
    goal: str
    role: str
    required_capabilities: tuple[str, ...] = ()
    critical: bool = True
    input: bytes = b""
    attempts: int = 0


@dataclasses.dataclass(frozen=True, kw_only=True)
class Assignment(Entity):
    """One task bound to one agent; a reassigned task gets a new assignment.

    ``attempt`` counts the executions of this assignment (0 before the first starts);
    ``prior_attempts`` counts the task's executions under earlier assignments, so the task's
    attempt number of the current execution is ``prior_attempts + attempt``. ``reported`` is
    False while the planner has not yet been told of the assignment's latest state.
    """

    task: str
    goal: str
    agent: str
    role: str
    required_capabilities: list[str] = dataclasses.field(default_factory=list)
    critical: bool = True
    state: AssignmentState = AssignmentState.PENDING
    attempt: int = 0
    prior_attempts: int = 0
    not_before: dt.datetime = dataclasses.field(default_factory=utc_now)
    lease_expire_time: dt.datetime | None = None
    input: bytes | None = None
    reported: bool = True

    @property
    def task_attempt(self) -> int:
        """The task-wide number of the current (latest) execution."""
        return self.prior_attempts + self.attempt

    @property
    def ready_task(self) -> ReadyTask:
        """The task this assignment runs, to assign it again elsewhere."""
        return ReadyTask(name=self.task, goal=self.goal, role=self.role,
                         required_capabilities=tuple(self.required_capabilities),
                         critical=self.critical, input=self.input or b"",
                         attempts=self.task_attempt)


@dataclasses.dataclass(frozen=True, kw_only=True)
class Execution(Entity):
    """One attempt of an agent at a task (its id is ``{assignment}-{assignment attempt}``)."""

    task: str
    agent: str
    assignment: str
    attempt: int
    assignment_attempt: int
    state: ExecutionState = ExecutionState.RUNNING
    start_time: dt.datetime = dataclasses.field(default_factory=utc_now)
    end_time: dt.datetime | None = None
    error: str = ""
    output: str = ""


@dataclasses.dataclass(frozen=True)
class AgentLoad:
    """An agent and how many live assignments it holds now."""

    agent: Agent
    active: int

    @property
    def has_capacity(self) -> bool:
        return self.active < self.agent.max_concurrency

    @property
    def load(self) -> float:
        """Active assignments relative to the agent's max_concurrency."""
        return self.active / self.agent.max_concurrency


Clock = Callable[[], dt.datetime]
"""Returns the current aware UTC time; injected so tests control time."""


def execution_id(assignment: Assignment) -> str:
    """The id of the execution of ``assignment``'s current attempt."""
    return f"{assignment.id}-{assignment.attempt}"


def new_execution(assignment: Assignment, now: dt.datetime) -> Execution:
    """The RUNNING execution of ``assignment``'s current attempt."""
    return Execution(tenant=assignment.tenant, id=execution_id(assignment),
                     task=assignment.task, agent=assignment.agent, assignment=assignment.id,
                     attempt=assignment.task_attempt, assignment_attempt=assignment.attempt,
                     state=ExecutionState.RUNNING, start_time=now, create_time=now,
                     update_time=now, etag=new_etag())
