"""What the domain asks of the durable agents, assignments and executions, as ports.

Each class declares what one part of the domain calls; the repository's ``AssignmentStore``
provides all of them.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Collection, Sequence
from typing import Any, Protocol

from services.agent_orchestrator.core.models import (
    Agent,
    AgentLoad,
    Assignment,
    Execution,
    ExecutionState,
)
from shared.resources.filters import MATCH_ALL, Filter
from shared.resources.pages import Page, PageRequest
from shared.resources.store import Store


class AssignmentRecords(Protocol):
    """Assignments and executions read by tenant and id."""

    @property
    def assignments(self) -> Store[Assignment]: ...

    @property
    def executions(self) -> Store[Execution]: ...


class AssignmentQueries(AssignmentRecords, Protocol):
    """Pages of a tenant's assignments and executions (``ExecutionService``)."""

    async def list_assignments(self, tenant: str, page: PageRequest, *, task: str = "",
                               agent: str = "", matching: Filter = MATCH_ALL
                               ) -> Page[Assignment]:
        """The tenant's assignments that ``matching`` selects, newest first, optionally of
        one task or agent."""

    async def list_executions(self, tenant: str, page: PageRequest, *, task: str = "",
                              agent: str = "") -> Page[Execution]:
        """The tenant's executions, newest first, optionally of one task or agent."""


class SchedulingStore(AssignmentRecords, Protocol):
    """Starts and ends of assignments and executions, each one conditional transaction
    (``Scheduler``)."""

    async def agents_with_load(self, tenant: str, role: str) -> list[AgentLoad]:
        """The tenant's agents of ``role`` with their live assignment counts."""

    async def start(self, assignment: Assignment, execution: Execution,
                    replaces: Assignment | None = None) -> bool:
        """Insert ``assignment`` with its first RUNNING ``execution`` (retiring ``replaces``);
        False, nothing written, when the agent cannot take it or the task is taken."""

    async def start_placed(self, tenant: str, role: str, tasks: Sequence[str],
                           place: Callable[[list[AgentLoad]],
                                           Sequence[tuple[Assignment, Execution]]]
                           ) -> list[tuple[Assignment, Execution]]:
        """Start some of ``tasks`` on the agents ``place`` chooses from their locked loads,
        in one transaction; returns those started."""

    async def finish(self, execution: Execution, assignment: Assignment, state: ExecutionState,
                     now: dt.datetime, *, output: str = "", error: str = "",
                     assignment_changes: dict[str, Any]) -> tuple[Execution, Assignment] | None:
        """End a RUNNING execution and change its assignment, atomically; returns both as
        written, or None when that attempt is no longer running."""

    async def claim_due(self, now: dt.datetime, lease: dt.timedelta, limit: int,
                        ) -> list[tuple[Assignment, Execution]]:
        """Start the next execution of up to ``limit`` due assignments (every tenant)."""


class LeaseStore(Protocol):
    """The leases of agents' running executions (``AgentService``)."""

    async def extend_leases(self, tenant: str, agent: str, until: dt.datetime) -> None:
        """Push the lease of the agent's RUNNING assignments to ``until``."""


class HealthStore(Protocol):
    """Agents' health and the work of agents that went away (``HealthMonitor``)."""

    async def mark_unhealthy(self, cutoff: dt.datetime, now: dt.datetime) -> int:
        """Agents (every tenant) HEALTHY or DRAINING with no heartbeat since ``cutoff`` become
        UNHEALTHY; returns how many changed."""

    async def orphaned_assignments(self) -> list[Assignment]:
        """Live assignments (every tenant) whose agent is UNHEALTHY, OFFLINE or deleted."""


class ReportOutbox(Protocol):
    """Assignments whose latest state the planner has not heard of yet (``Reporter``)."""

    async def unreported(self, limit: int) -> list[Assignment]:
        """Assignments (every tenant) not reported yet, oldest change first."""

    async def mark_reported(self, assignment: Assignment) -> None:
        """Record that the planner heard of ``assignment`` as it is (same etag)."""

    async def last_error(self, assignment: Assignment) -> str:
        """The error of the assignment's latest failed execution ("" when there is none)."""

    async def succeeded_output(self, assignment: Assignment) -> str:
        """The output of the assignment's succeeded execution ("" when there is none)."""


class HostStore(Protocol):
    """The built-in agents and their running executions, as stored (the agent host)."""

    @property
    def executions(self) -> Store[Execution]: ...

    async def agents_with_load(self, tenant: str, role: str) -> list[AgentLoad]:
        """The tenant's agents of ``role`` with their live assignment counts."""

    async def agents_named(self, agent_ids: Collection[str]) -> list[Agent]:
        """The agents (every tenant) with one of the ids ``agent_ids``."""

    async def running_of(self, agent_ids: Collection[str]
                         ) -> list[tuple[Assignment, Execution]]:
        """RUNNING executions (every tenant) of the agents ``agent_ids``, with assignments."""
