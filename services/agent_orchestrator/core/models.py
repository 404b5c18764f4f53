"""Domain models of the agent-orchestrator."""

from __future__ import annotations

import dataclasses
import datetime as dt
import enum

from shared.database import Entity, utc_now


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
