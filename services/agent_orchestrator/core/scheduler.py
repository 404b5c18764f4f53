"""``Scheduler``: assigns ready tasks to agents and drives assignments through their attempts.

All state lives in the store, so a restarted (or another) orchestrator replica carries on where
one left off: due retries and executions whose lease expired are claimed again by
:meth:`Scheduler.claim_due`, and completing an attempt is a conditional update on
(assignment id, attempt), so an attempt is never completed twice.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
from collections.abc import Callable, Collection, Sequence
from typing import Any

from services.agent_orchestrator.core.assignment import AssignmentPolicy, assignment_policy
from services.agent_orchestrator.core.failure import (
    Failure,
    FailureAction,
    FailureDecision,
    FailurePolicy,
    failure_policy,
)
from services.agent_orchestrator.core.models import (
    Agent,
    AgentLoad,
    Assignment,
    AssignmentState,
    AssignmentStrategy,
    Clock,
    Execution,
    ExecutionState,
    FailureStrategy,
    ReadyTask,
    new_execution,
)
from services.agent_orchestrator.core.stores import SchedulingStore
from shared.errors import FailedPrecondition, InvalidArgument, NotFound
from shared.resources import names
from shared.resources.entity import new_etag, utc_now
from shared.resources.store import Store

DEFAULT_LEASE = dt.timedelta(minutes=5)

Started = tuple[Assignment, Execution]


@dataclasses.dataclass(frozen=True)
class ScheduleResult:
    """What :meth:`Scheduler.schedule` did: tasks started, and tasks left waiting."""

    started: list[Started]
    waiting: list[ReadyTask]


@dataclasses.dataclass(frozen=True)
class Completion:
    """The result of completing an execution.

    Attributes:
        assignment: The assignment after the completion.
        execution: The ended execution.
        decision: The failure strategy's decision; None after a success.
        replacement: The new assignment when the task was reassigned.
    """

    assignment: Assignment
    execution: Execution
    decision: FailureDecision | None = None
    replacement: Assignment | None = None


def tenant_of(task: ReadyTask) -> str:
    """``tenants/acme/goals/g/tasks/t`` -> ``acme``."""
    parts = task.name.split("/")
    if len(parts) != 6 or parts[0] != "tenants" or parts[2] != "goals" or parts[4] != "tasks":
        raise InvalidArgument.for_field("task", "must look like tenants/{t}/goals/{g}/tasks/{t}")
    return parts[1]


class Scheduler:
    """Assigns ready tasks, claims due work and applies failure strategies.

    Args:
        store: The durable assignments and executions.
        agents: Repository of agents (their failure strategies).
        clock: Current time.
        lease: How long an execution may run before it is considered lost and retried.
        assignment: A policy to use for every role; by default each role uses the strategy
            declared by its oldest agent.
        failure: Maps an agent's declared failure strategy to the policy applying it.
    """

    def __init__(self, store: SchedulingStore, agents: Store[Agent], *,
                 clock: Clock = utc_now, lease: dt.timedelta = DEFAULT_LEASE,
                 assignment: AssignmentPolicy | None = None,
                 failure: Callable[[FailureStrategy], FailurePolicy] = failure_policy) -> None:
        self._store = store
        self._agents = agents
        self._clock = clock
        self._lease = lease
        self._override = assignment
        self._failure = failure
        self._policies: dict[AssignmentStrategy, AssignmentPolicy] = {}

    async def schedule(self, tasks: Sequence[ReadyTask]) -> ScheduleResult:
        """Assign each ready task to an agent and start its first execution.

        The tasks of one tenant and role are placed together, on the agents' loads as locked by
        the transaction that starts them; when the store refuses some there (a task got a live
        assignment elsewhere), every task not started is tried again on its own. A task
        that already has a live assignment is not assigned again; a task no agent can take now
        is returned as waiting.
        """
        started: list[Started] = []
        waiting: list[ReadyTask] = []
        groups: dict[tuple[str, str], list[ReadyTask]] = {}
        for task in tasks:
            groups.setdefault((tenant_of(task), task.role), []).append(task)
        for (tenant, role), group in groups.items():
            accepted, placed, unplaced = await self._start_group(tenant, role, group)
            started.extend(accepted)
            taken = {a.task for a, _ in accepted}
            if len(accepted) == len(placed):
                waiting.extend(unplaced)
                continue
            # Refused starts left room the placement counted on: the tasks that found none
            # may fit now (another replica won the race for the others).
            for task in [t for t in group if t.name not in taken]:
                result = await self._assign(task)
                if result is None:
                    waiting.append(task)
                else:
                    started.append(result)
        return ScheduleResult(started, waiting)

    async def _start_group(self, tenant: str, role: str, group: Sequence[ReadyTask]
                           ) -> tuple[list[Started], list[Started], list[ReadyTask]]:
        """Place and start tasks of one tenant and role in one transaction; returns the
        starts accepted, the starts planned and the tasks no agent had room for."""
        planned: tuple[list[Started], list[ReadyTask]] = ([], list(group))

        def place(loads: list[AgentLoad]) -> list[Started]:
            nonlocal planned
            planned = self._place(group, loads)
            return planned[0]

        accepted = await self._store.start_placed(tenant, role, [t.name for t in group], place)
        return accepted, *planned

    def _place(self, tasks: Sequence[ReadyTask], loads: Sequence[AgentLoad]
               ) -> tuple[list[Started], list[ReadyTask]]:
        """Choose an agent for each task, counting the tasks placed so far; returns the
        planned starts and the tasks no agent has room for."""
        current = list(loads)
        placed: list[Started] = []
        unplaced: list[ReadyTask] = []
        for task in tasks:
            chosen = self._policy(current).choose(task, current, ()) if current else None
            if chosen is None:
                unplaced.append(task)
                continue
            placed.append(self._new_start(task, chosen.agent.id, self._clock()))
            current = [AgentLoad(c.agent, c.active + 1) if c.agent.id == chosen.agent.id else c
                       for c in current]
        return placed, unplaced

    def _new_start(self, task: ReadyTask, agent_id: str, now: dt.datetime) -> Started:
        """A RUNNING assignment of ``task`` to ``agent_id`` with its first execution, which
        counts on from the attempts the task has had."""
        assignment = Assignment(
            tenant=tenant_of(task), id=names.new_id(), task=task.name, goal=task.goal,
            agent=agent_id, role=task.role,
            required_capabilities=list(task.required_capabilities), critical=task.critical,
            state=AssignmentState.RUNNING, attempt=1, prior_attempts=task.attempts,
            not_before=now, lease_expire_time=now + self._lease, create_time=now,
            update_time=now, etag=new_etag(), input=task.input or None, reported=False)
        return assignment, new_execution(assignment, now)

    async def claim_due(self, limit: int = 100) -> list[Started]:
        """Start the next attempt of due retries and of executions whose lease expired."""
        return await self._store.claim_due(self._clock(), self._lease, limit)

    async def reassign(self, orphans: Sequence[Assignment]) -> list[Started]:
        """Move live assignments (of agents that went unhealthy) to other agents.

        An assignment no other agent can take now stays where it is, to be tried again.
        """
        moved: list[Started] = []
        for old in orphans:
            result = await self._assign(old.ready_task, exclude={old.agent}, replaces=old)
            if result is not None:
                moved.append(result)
        return moved

    async def complete(self, tenant: str, execution_id: str, *, output: str = "",
                       error: str = "", started: Started | None = None) -> Completion:
        """End a running execution: success without ``error``, else a failure handled by the
        failure strategy of the agent that ran it.

        ``started`` is the assignment and execution as started, when the caller has them (the
        end is conditional on the stored attempt still running, so they need not be fresh).

        Raises:
            NotFound: No such execution.
            FailedPrecondition: The execution already ended (completed, or timed out and retried).
        """
        if started is not None and started[1].id == execution_id:
            assignment, execution = started
        else:
            execution = await self._store.executions.get(tenant, execution_id)
            if execution.state is not ExecutionState.RUNNING:
                raise _ended(execution_id)
            assignment = await self._store.assignments.get(tenant, execution.assignment)
        now = self._clock()
        decision: FailureDecision | None = None
        if not error:
            changes: dict[str, Any] = {"state": AssignmentState.SUCCEEDED,
                                       "lease_expire_time": None, "reported": False}
            state = ExecutionState.SUCCEEDED
        else:
            decision = await self._decide(assignment, error, now)
            changes = _changes(decision, now)
            state = ExecutionState.FAILED
        written = await self._store.finish(execution, assignment, state, now, output=output,
                                           error=error, assignment_changes=changes)
        if written is None:
            raise _ended(execution_id)
        ended, assignment = written
        replacement = None
        if decision is not None and decision.action is FailureAction.REASSIGN:
            decision, replacement = await self._reassign_failed(tenant, execution.assignment,
                                                                decision)
            assignment = await self._store.assignments.get(tenant, execution.assignment)
        return Completion(assignment, ended, decision, replacement)

    async def _reassign_failed(self, tenant: str, assignment_id: str, decision: FailureDecision
                               ) -> tuple[FailureDecision, Assignment | None]:
        pending = await self._store.assignments.get(tenant, assignment_id)
        result = await self._assign(pending.ready_task, exclude=decision.exclude,
                                    replaces=pending)
        if result is not None:
            return decision, result[0]
        # No other agent can take it now: the assignment stays a due retry on the same agent
        # (the attempt limit of the strategy still holds).
        return dataclasses.replace(decision, action=FailureAction.RETRY,
                                   reason=f"{decision.reason}; no other agent, retrying"), None

    async def _decide(self, assignment: Assignment, error: str, now: dt.datetime
                      ) -> FailureDecision:
        try:
            strategy = (await self._agents.get(assignment.tenant, assignment.agent)
                        ).failure_strategy
        except NotFound:
            strategy = FailureStrategy.RETRY
        return self._failure(strategy).decide(Failure(assignment=assignment, error=error,
                                                      now=now))

    def _policy(self, loads: Sequence[AgentLoad]) -> AssignmentPolicy:
        if self._override is not None:
            return self._override
        strategy = min(loads, key=lambda c: (c.agent.create_time, c.agent.id)
                       ).agent.assignment_strategy
        if strategy not in self._policies:
            self._policies[strategy] = assignment_policy(strategy)
        return self._policies[strategy]

    async def _assign(self, task: ReadyTask, *, exclude: Collection[str] = (),
                      replaces: Assignment | None = None
                      ) -> Started | None:
        tenant = tenant_of(task)
        loads = await self._store.agents_with_load(tenant, task.role)
        excluded = set(exclude)
        # A start is refused when the chosen agent filled up or left meanwhile: try the next.
        for _ in range(len(loads)):
            chosen = self._policy(loads).choose(task, loads, excluded)
            if chosen is None:
                return None
            assignment, execution = self._new_start(task, chosen.agent.id, self._clock())
            if await self._store.start(assignment, execution, replaces):
                return assignment, execution
            excluded.add(chosen.agent.id)
        return None


def _changes(decision: FailureDecision, now: dt.datetime) -> dict[str, Any]:
    """The assignment's new column values after a failed execution."""
    states = {
        FailureAction.RETRY: AssignmentState.PENDING,
        # Reassigning happens in a second step; until then the assignment is a due retry, so a
        # crash in between degrades to a retry on the same agent instead of losing the task.
        FailureAction.REASSIGN: AssignmentState.PENDING,
        FailureAction.SKIP: AssignmentState.SKIPPED,
        FailureAction.FAIL: AssignmentState.FAILED,
        FailureAction.ESCALATE: AssignmentState.ESCALATED,
    }
    state = states[decision.action]
    return {"state": state, "lease_expire_time": None, "not_before": decision.not_before or now,
            "reported": not state.planner_hears}


def _ended(execution_id: str) -> FailedPrecondition:
    return FailedPrecondition(f"execution {execution_id!r} already ended",
                              reason="EXECUTION_ENDED", metadata={"id": execution_id})
