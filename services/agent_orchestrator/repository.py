"""The agent-orchestrator's tables and repositories; the only module of the service with SQL."""

from __future__ import annotations

import dataclasses
import datetime as dt
from collections.abc import Callable, Collection, Sequence
from typing import Any

import sqlalchemy as sa
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncConnection

from services.agent_orchestrator.core.models import (
    Agent,
    AgentLoad,
    AgentState,
    Assignment,
    AssignmentState,
    AssignmentStrategy,
    Execution,
    ExecutionState,
    FailureStrategy,
    new_execution,
)
from shared.database import (
    DatabaseConnection,
    Page,
    PageRequest,
    Repository,
    UtcDateTime,
    entity_columns,
    enum_column,
)
from shared.database.filter_sql import filter_where
from shared.group_commit import GroupCommit
from shared.resources.entity import new_etag
from shared.resources.filters import MATCH_ALL, Filter
from shared.rpc import audit

metadata = sa.MetaData()


agents = sa.Table(
    "agents",
    metadata,
    *entity_columns(),
    sa.Column("display_name", sa.String(200), nullable=False),
    sa.Column("role", sa.String(64), nullable=False),
    sa.Column("capabilities", sa.JSON, nullable=False),
    sa.Column("max_concurrency", sa.Integer, nullable=False),
    sa.Column("assignment_strategy", enum_column(AssignmentStrategy), nullable=False),
    sa.Column("failure_strategy", enum_column(FailureStrategy), nullable=False),
    sa.Column("state", enum_column(AgentState), nullable=False),
    sa.Column("last_heartbeat_time", UtcDateTime(), nullable=False),
    sa.Column("active_assignments", sa.Integer, nullable=False),
    sa.Index("agents_by_tenant_time", "tenant", "create_time"),
)

assignments = sa.Table(
    "assignments",
    metadata,
    *entity_columns(),
    sa.Column("task", sa.String(256), nullable=False),
    sa.Column("goal", sa.String(256), nullable=False),
    sa.Column("agent", sa.String(64), nullable=False),
    sa.Column("role", sa.String(64), nullable=False),
    sa.Column("required_capabilities", sa.JSON, nullable=False),
    sa.Column("critical", sa.Boolean, nullable=False),
    sa.Column("state", enum_column(AssignmentState), nullable=False),
    sa.Column("attempt", sa.Integer, nullable=False),
    sa.Column("prior_attempts", sa.Integer, nullable=False),
    sa.Column("not_before", UtcDateTime(), nullable=False),
    sa.Column("lease_expire_time", UtcDateTime(), nullable=True),
    sa.Column("input", sa.LargeBinary, nullable=True),
    sa.Column("reported", sa.Boolean, nullable=False),
    sa.Index("assignments_by_tenant_time", "tenant", "create_time"),
    sa.Index("assignments_by_task", "tenant", "task"),
    sa.Index("assignments_by_agent", "tenant", "agent", "state"),
    sa.Index("assignments_due", "state", "not_before"),
    sa.Index("assignments_unreported", "reported", "update_time"),
    # At most one live assignment per task, even with several orchestrator replicas.
    sa.Index("assignments_live_task", "tenant", "task", unique=True,
             sqlite_where=sa.text("state IN ('PENDING', 'RUNNING')"),
             postgresql_where=sa.text("state IN ('PENDING', 'RUNNING')")),
)

executions = sa.Table(
    "executions",
    metadata,
    *entity_columns(),
    sa.Column("task", sa.String(256), nullable=False),
    sa.Column("agent", sa.String(64), nullable=False),
    sa.Column("assignment", sa.String(64), nullable=False),
    sa.Column("attempt", sa.Integer, nullable=False),
    sa.Column("assignment_attempt", sa.Integer, nullable=False),
    sa.Column("state", enum_column(ExecutionState), nullable=False),
    sa.Column("start_time", UtcDateTime(), nullable=False),
    sa.Column("end_time", UtcDateTime(), nullable=True),
    sa.Column("error", sa.Text, nullable=False),
    sa.Column("output", sa.Text, nullable=False),
    sa.Index("executions_by_tenant_time", "tenant", "create_time"),
    sa.Index("executions_by_attempt", "tenant", "assignment", "assignment_attempt",
             unique=True),
    sa.Index("executions_running", "state", "agent"),
)

_LIVE = (AssignmentState.PENDING, AssignmentState.RUNNING)
MARK_LINGER = 0.02  # seconds reported marks wait to be written together

# Statements of every execution's end, built once (building and caching a statement costs
# more than running it); ``b_*`` parameters select the rows, the others are the values set.
_END_EXECUTION = sa.update(executions).where(
    executions.c.tenant == sa.bindparam("b_tenant"),
    executions.c.assignment == sa.bindparam("b_assignment"),
    executions.c.assignment_attempt == sa.bindparam("b_attempt"),
    executions.c.state == ExecutionState.RUNNING)
_CHANGE_ATTEMPT = sa.update(assignments).where(
    assignments.c.tenant == sa.bindparam("b_tenant"),
    assignments.c.id == sa.bindparam("b_id"),
    assignments.c.attempt == sa.bindparam("b_attempt"))
# A task is taken while one of its assignments is live, and for good once one succeeded: the
# planner never makes a succeeded task READY again, but lists it READY until it hears of the
# success (a slow report of the start or of the end), and it must not run twice.
_TAKEN = (*_LIVE, AssignmentState.SUCCEEDED)
_IS_TAKEN = (assignments.c.tenant == sa.bindparam("b_tenant"),
             assignments.c.task.in_(sa.bindparam("b_tasks", expanding=True)),
             assignments.c.state.in_(_TAKEN))
_TAKEN_TASKS = sa.select(assignments.c.task).where(*_IS_TAKEN)
# Which of the tasks ``b_tasks`` are taken, as one string (task names hold no spaces).
_TAKEN_AMONG = (sa.select(sa.func.aggregate_strings(assignments.c.task, " "))
                .where(*_IS_TAKEN).scalar_subquery().label("taken"))
# start_placed: lock the tenant's healthy agents of a role, returning each one with its live
# assignments and (on every row) which of the tasks to start are taken already; then insert
# the starts.
_LOCK_ROLE = (
    sa.update(agents).where(agents.c.tenant == sa.bindparam("b_tenant"),
                            agents.c.role == sa.bindparam("b_role"),
                            agents.c.state == AgentState.HEALTHY)
    .values(active_assignments=agents.c.active_assignments)
    .returning(*agents.c, sa.select(sa.func.count()).where(
        assignments.c.tenant == sa.bindparam("b_tenant"),
        assignments.c.agent == agents.c.id,
        assignments.c.state.in_(_LIVE)).scalar_subquery().label("load"), _TAKEN_AMONG))
_INSERT_ASSIGNMENTS = sa.insert(assignments)
_INSERT_EXECUTIONS = sa.insert(executions)
# The tenant's agents of a role with their live assignment counts.
_LIVE_BY_AGENT = (sa.select(assignments.c.agent, sa.func.count().label("active"))
                  .where(assignments.c.tenant == sa.bindparam("b_tenant"),
                         assignments.c.state.in_(_LIVE))
                  .group_by(assignments.c.agent).subquery())
_AGENTS_WITH_LOAD = (
    sa.select(agents, sa.func.coalesce(_LIVE_BY_AGENT.c.active, 0).label("load"))
    .outerjoin(_LIVE_BY_AGENT, _LIVE_BY_AGENT.c.agent == agents.c.id)
    .where(agents.c.tenant == sa.bindparam("b_tenant"), agents.c.role == sa.bindparam("b_role")))
# start_placed on PostgreSQL, once the agents are locked: their loads and the taken tasks again.
_LOADS_AND_TAKEN = _AGENTS_WITH_LOAD.add_columns(_TAKEN_AMONG)
_MARK_REPORTED = sa.update(assignments).where(
    assignments.c.tenant == sa.bindparam("b_tenant"), assignments.c.id == sa.bindparam("b_id"),
    assignments.c.etag == sa.bindparam("b_etag")).values(reported=True)


def agent_repository(db: DatabaseConnection) -> Repository[Agent]:
    """Agents, tenant-scoped."""
    return Repository(db, agents, Agent, "agent")


def assignment_repository(db: DatabaseConnection) -> Repository[Assignment]:
    """Assignments, tenant-scoped (reads; writes go through :class:`AssignmentStore`)."""
    return Repository(db, assignments, Assignment, "assignment")


def execution_repository(db: DatabaseConnection) -> Repository[Execution]:
    """Executions, tenant-scoped (reads; writes go through :class:`AssignmentStore`)."""
    return Repository(db, executions, Execution, "execution")


class _Refused(Exception):
    """Rolls a transaction back when it finds nothing it may do: the agent of a start full or
    gone or its task taken, or the execution to end no longer running."""


def _row(entity: Assignment | Execution) -> dict[str, Any]:
    return {f.name: getattr(entity, f.name) for f in dataclasses.fields(entity)}


def _assignment(row: sa.RowMapping) -> Assignment:
    return Assignment(**{f.name: row[f.name] for f in dataclasses.fields(Assignment)})


def _agent(row: sa.RowMapping) -> Agent:
    return Agent(**{f.name: row[f.name] for f in dataclasses.fields(Agent)})


class AssignmentStore:
    """Durable assignments and executions: every state change is one conditional transaction.

    Changes to a running execution are keyed on (assignment id, assignment attempt) and on the
    state still being RUNNING, so of two replicas completing or expiring the same attempt exactly
    one wins. Due work is claimed with ``SELECT … FOR UPDATE SKIP LOCKED`` on PostgreSQL; on
    SQLite (one writer) the lock clause is omitted by the dialect.

    Args:
        db: The orchestrator's database.
    """

    def __init__(self, db: DatabaseConnection) -> None:
        self.db = db
        self.assignments = assignment_repository(db)
        self.executions = execution_repository(db)
        # Marks wait a little: the sweep is their only reader, and a task's start (made ready
        # by the report just heard back) should not wait behind the mark of that report.
        self._reported: GroupCommit[None, Assignment, None] = GroupCommit(
            self._mark_reported, linger=MARK_LINGER)

    # Reads.

    async def agents_with_load(self, tenant: str, role: str) -> list[AgentLoad]:
        """The tenant's agents of ``role`` with their live assignment counts."""
        async with self.db.connect() as conn:
            rows = (await conn.execute(_AGENTS_WITH_LOAD, {"b_tenant": tenant, "b_role": role})
                    ).mappings().all()
        return [AgentLoad(_agent(r), int(r["load"])) for r in rows]

    async def list_assignments(self, tenant: str, page: PageRequest, *, task: str = "",
                               agent: str = "", matching: Filter = MATCH_ALL
                               ) -> Page[Assignment]:
        where = filter_where(matching, assignments)
        if task:
            where.append(assignments.c.task == task)
        if agent:
            where.append(assignments.c.agent == agent)
        return await self.assignments.list(tenant, page, where)

    async def list_executions(self, tenant: str, page: PageRequest, *, task: str = "",
                              agent: str = "") -> Page[Execution]:
        where: list[sa.ColumnElement[bool]] = []
        if task:
            where.append(executions.c.task == task)
        if agent:
            where.append(executions.c.agent == agent)
        return await self.executions.list(tenant, page, where)

    async def agents_named(self, agent_ids: Collection[str]) -> list[Agent]:
        """The agents (every tenant) with one of the ids ``agent_ids``."""
        query = sa.select(agents).where(agents.c.id.in_(list(agent_ids)))
        async with self.db.connect() as conn:
            return [_agent(r) for r in (await conn.execute(query)).mappings().all()]

    async def orphaned_assignments(self) -> list[Assignment]:
        """Live assignments (every tenant) whose agent is UNHEALTHY, OFFLINE or deleted."""
        query = (sa.select(assignments)
                 .outerjoin(agents, sa.and_(agents.c.tenant == assignments.c.tenant,
                                            agents.c.id == assignments.c.agent))
                 .where(assignments.c.state.in_(_LIVE),
                        sa.or_(agents.c.id.is_(None),
                               agents.c.state.in_((AgentState.UNHEALTHY, AgentState.OFFLINE))))
                 .order_by(assignments.c.create_time))
        async with self.db.connect() as conn:
            return [_assignment(r) for r in (await conn.execute(query)).mappings().all()]

    # Writes.

    async def mark_unhealthy(self, cutoff: dt.datetime, now: dt.datetime) -> int:
        """Agents (every tenant) HEALTHY or DRAINING with no heartbeat since ``cutoff`` become
        UNHEALTHY; returns how many changed."""
        async with self.db.transaction() as conn:
            result = await conn.execute(
                sa.update(agents)
                .where(agents.c.state.in_((AgentState.HEALTHY, AgentState.DRAINING)),
                       agents.c.last_heartbeat_time < cutoff)
                .values(state=AgentState.UNHEALTHY, update_time=now, etag=new_etag()))
        return int(result.rowcount)

    async def start(self, assignment: Assignment, execution: Execution,
                    replaces: Assignment | None = None) -> bool:
        """Insert ``assignment`` with its first RUNNING ``execution``, atomically.

        Refused (False, nothing written) when the agent is gone, not HEALTHY, at its
        max_concurrency, or the task already has a live assignment or one that succeeded
        (see ``_TAKEN``). With ``replaces``, that live assignment is REASSIGNED (and its
        running execution CANCELLED) in the same transaction; refused when it is no longer
        live at its attempt.
        """
        try:
            async with self.db.transaction() as conn:
                # Writing first takes the agent's row lock on PostgreSQL and the write lock on
                # SQLite, so concurrent starts on one agent serialise before counting.
                locked = await conn.execute(
                    sa.update(agents)
                    .where(agents.c.tenant == assignment.tenant, agents.c.id == assignment.agent,
                           agents.c.state == AgentState.HEALTHY)
                    .values(active_assignments=agents.c.active_assignments))
                if locked.rowcount == 0:
                    raise _Refused
                if replaces is not None:
                    await self._retire(conn, replaces, AssignmentState.REASSIGNED,
                                       ExecutionState.CANCELLED, execution.start_time,
                                       "reassigned")
                await self._check_capacity(conn, assignment)
                if (await conn.execute(_TAKEN_TASKS, {
                        "b_tenant": assignment.tenant, "b_tasks": [assignment.task]})).first():
                    raise _Refused  # (an assignment replaced is no longer live here)
                await conn.execute(_INSERT_ASSIGNMENTS, _row(assignment))
                await conn.execute(_INSERT_EXECUTIONS, _row(execution))
        except (_Refused, IntegrityError):
            # IntegrityError: another replica started the task first (one live assignment
            # per task is a unique index).
            return False
        return True

    async def start_placed(self, tenant: str, role: str, tasks: Sequence[str],
                           place: Callable[[list[AgentLoad]],
                                           Sequence[tuple[Assignment, Execution]]]
                           ) -> list[tuple[Assignment, Execution]]:
        """Start some of ``tasks`` (of one tenant and role) on the agents ``place`` chooses,
        in one transaction; returns those started.

        ``place`` gets the tenant's HEALTHY agents of ``role`` with their live assignments,
        locked until the end of the transaction, and returns the starts to insert (each an
        assignment with its first execution). A start is left out when its agent would go
        over its max_concurrency or its task already has a live assignment or one that
        succeeded; a task started concurrently elsewhere (the unique index refuses it) makes
        this return nothing, so the caller tries each start on its own.
        """
        try:
            async with self.db.transaction() as conn:
                # Writing first locks the agents' rows (see start()).
                key = {"b_tenant": tenant, "b_role": role, "b_tasks": list(tasks)}
                rows = (await conn.execute(_LOCK_ROLE, key)).mappings().all()
                counted = rows
                if rows and conn.dialect.name != "sqlite":
                    # READ COMMITTED: a statement that waited for a lock counts what was
                    # committed when it began, not the starts of the transaction it waited
                    # for; count again now the locks are held. (SQLite has one writer: a
                    # write statement never waits on another's uncommitted starts.)
                    counted = (await conn.execute(_LOADS_AND_TAKEN, key)).mappings().all()
                live = {r["id"]: r["load"] for r in counted}
                loads = [AgentLoad(_agent(r), int(live[r["id"]])) for r in rows]
                starts = place(loads) if loads else []
                if not starts:
                    return []
                room = {load.agent.id: load.agent.max_concurrency - load.active
                        for load in loads}
                # Tasks started or done already (not yet known to the planner) are left out
                # here rather than failing the whole batch on the unique index.
                taken = set((counted[0]["taken"] or "").split())
                accepted = []
                for assignment, execution in starts:
                    if room.get(assignment.agent, 0) <= 0 or assignment.task in taken:
                        continue
                    room[assignment.agent] -= 1
                    taken.add(assignment.task)
                    accepted.append((assignment, execution))
                if accepted:
                    await conn.execute(_INSERT_ASSIGNMENTS, [_row(a) for a, _ in accepted])
                    await conn.execute(_INSERT_EXECUTIONS, [_row(e) for _, e in accepted])
        except IntegrityError:
            return []
        return accepted

    async def _check_capacity(self, conn: AsyncConnection, assignment: Assignment) -> None:
        """Refuse when the agent is full (a task already live is refused by the unique index
        on insert)."""
        c = assignments.c
        active = (sa.select(sa.func.count()).select_from(assignments).where(
            c.tenant == assignment.tenant, c.agent == assignment.agent, c.state.in_(_LIVE))
            .scalar_subquery())
        full = (await conn.execute(sa.select(active >= agents.c.max_concurrency).where(
            agents.c.tenant == assignment.tenant, agents.c.id == assignment.agent))).scalar_one()
        if full:
            raise _Refused

    async def _retire(self, conn: AsyncConnection, old: Assignment, state: AssignmentState,
                      execution_state: ExecutionState, now: dt.datetime, error: str) -> None:
        result = await conn.execute(
            sa.update(assignments)
            .where(assignments.c.tenant == old.tenant, assignments.c.id == old.id,
                   assignments.c.attempt == old.attempt, assignments.c.state.in_(_LIVE))
            .values(state=state, lease_expire_time=None, update_time=now, etag=new_etag(),
                    reported=not state.planner_hears))
        if result.rowcount == 0:
            raise _Refused
        await conn.execute(_END_EXECUTION, self._end(old.tenant, old.id, old.attempt,
                                                     execution_state, now, error=error))

    @staticmethod
    def _end(tenant: str, assignment_id: str, attempt: int, state: ExecutionState,
             now: dt.datetime, *, error: str = "", output: str = "",
             etag: str | None = None) -> dict[str, Any]:
        """Parameters of ``_END_EXECUTION``: the RUNNING execution of that attempt ends."""
        return dict(b_tenant=tenant, b_assignment=assignment_id, b_attempt=attempt,
                    state=state, end_time=now, error=error, output=output, update_time=now,
                    etag=etag or new_etag())

    async def finish(self, execution: Execution, assignment: Assignment, state: ExecutionState,
                     now: dt.datetime, *, output: str = "", error: str = "",
                     assignment_changes: dict[str, Any]) -> tuple[Execution, Assignment] | None:
        """End a RUNNING execution and change its assignment, atomically; returns both as
        written.

        The audit entry of the call being served (``audit.serving()``: an agent's
        CompleteExecution) is written in the same transaction.

        Returns None (nothing written) when that attempt is no longer running: it was already
        completed, or its lease expired and it was retried.
        """
        ended_etag, changed_etag = new_etag(), new_etag()
        try:
            async with audit.transaction_with_entry(self.db) as conn:
                ended = await conn.execute(_END_EXECUTION, self._end(
                    execution.tenant, execution.assignment, execution.assignment_attempt,
                    state, now, error=error, output=output, etag=ended_etag))
                if ended.rowcount == 0:
                    raise _Refused  # nothing to end, and no entry
                await conn.execute(_CHANGE_ATTEMPT, dict(
                    b_tenant=execution.tenant, b_id=execution.assignment,
                    b_attempt=execution.assignment_attempt, update_time=now, etag=changed_etag,
                    **assignment_changes))
        except _Refused:
            return None
        return (dataclasses.replace(execution, state=state, end_time=now, error=error,
                                    output=output, update_time=now, etag=ended_etag),
                dataclasses.replace(assignment, update_time=now, etag=changed_etag,
                                    **assignment_changes))

    async def claim_due(self, now: dt.datetime, lease: dt.timedelta, limit: int,
                        ) -> list[tuple[Assignment, Execution]]:
        """Start the next execution of up to ``limit`` due assignments (every tenant).

        Due: PENDING with ``not_before`` passed (a retry), or RUNNING with an expired lease (the
        running attempt is TIMED_OUT first). The agent must still be HEALTHY or DRAINING.
        Concurrent claimers on PostgreSQL skip each other's locked rows, so none claims twice.
        """
        c = assignments.c
        due = sa.or_(sa.and_(c.state == AssignmentState.PENDING, c.not_before <= now),
                     sa.and_(c.state == AssignmentState.RUNNING, c.lease_expire_time <= now))
        query = (sa.select(assignments)
                 .join(agents, sa.and_(agents.c.tenant == c.tenant, agents.c.id == c.agent))
                 .where(due, agents.c.state.in_((AgentState.HEALTHY, AgentState.DRAINING)))
                 .order_by(c.not_before).limit(limit)
                 .with_for_update(skip_locked=True, of=assignments))
        claimed: list[tuple[Assignment, Execution]] = []
        async with self.db.transaction() as conn:
            for row in (await conn.execute(query)).mappings().all():
                old = _assignment(row)
                if old.state is AssignmentState.RUNNING:
                    await conn.execute(_END_EXECUTION, self._end(
                        old.tenant, old.id, old.attempt, ExecutionState.TIMED_OUT, now,
                        error="lease expired"))
                # The planner hears of every attempt (its Task.attempts counts them).
                new = dataclasses.replace(old, state=AssignmentState.RUNNING,
                                          attempt=old.attempt + 1, lease_expire_time=now + lease,
                                          update_time=now, etag=new_etag(), reported=False)
                await conn.execute(sa.update(assignments).where(
                    c.tenant == old.tenant, c.id == old.id, c.attempt == old.attempt).values(
                    state=new.state, attempt=new.attempt, lease_expire_time=new.lease_expire_time,
                    update_time=now, etag=new.etag, reported=False))
                execution = new_execution(new, now)
                await conn.execute(_INSERT_EXECUTIONS, _row(execution))
                claimed.append((new, execution))
        return claimed

    async def extend_leases(self, tenant: str, agent: str, until: dt.datetime) -> None:
        """Push the lease of the agent's RUNNING assignments to ``until`` (on its heartbeat)."""
        c = assignments.c
        async with self.db.transaction() as conn:
            await conn.execute(sa.update(assignments).where(
                c.tenant == tenant, c.agent == agent, c.state == AssignmentState.RUNNING,
                c.lease_expire_time < until).values(lease_expire_time=until))


    async def retire(self, assignment: Assignment, state: AssignmentState,
                     now: dt.datetime) -> bool:
        """End a live ``assignment`` (at its attempt) in ``state``, cancelling a running
        execution; False when it is no longer live at that attempt."""
        try:
            async with self.db.transaction() as conn:
                await self._retire(conn, assignment, state, ExecutionState.CANCELLED, now,
                                   "assignment ended")
        except _Refused:
            return False
        return True

    # Dispatching.

    async def unreported(self, limit: int) -> list[Assignment]:
        """Assignments (every tenant) whose latest state the planner has not heard of yet,
        oldest change first."""
        query = (sa.select(assignments).where(assignments.c.reported.is_(False))
                 .order_by(assignments.c.update_time).limit(limit))
        async with self.db.connect() as conn:
            return [_assignment(r) for r in (await conn.execute(query)).mappings().all()]

    async def mark_reported(self, assignment: Assignment) -> None:
        """Record that the planner heard of ``assignment`` as it is (same etag); nothing
        changes when it changed meanwhile, so the newer state is reported too. Concurrent
        marks share one transaction."""
        await self._reported.submit(None, assignment)

    async def _mark_reported(self, _key: None, marked: Sequence[Assignment]) -> list[None]:
        async with self.db.transaction() as conn:
            await conn.execute(_MARK_REPORTED, [{"b_tenant": a.tenant, "b_id": a.id,
                                            "b_etag": a.etag} for a in marked])
        return [None] * len(marked)

    async def running_of(self, agent_ids: Collection[str]
                         ) -> list[tuple[Assignment, Execution]]:
        """RUNNING executions (every tenant) of the agents ``agent_ids``, with assignments."""
        if not agent_ids:
            return []
        e, c = executions.c, assignments.c
        async with self.db.connect() as conn:
            running = [Execution(**{f.name: r[f.name] for f in dataclasses.fields(Execution)})
                       for r in (await conn.execute(sa.select(executions).where(
                           e.state == ExecutionState.RUNNING,
                           e.agent.in_(list(agent_ids))))).mappings().all()]
            if not running:
                return []
            keys = [(x.tenant, x.assignment) for x in running]
            owners = {(a.tenant, a.id): a for a in (
                _assignment(r) for r in (await conn.execute(sa.select(assignments).where(
                    sa.tuple_(c.tenant, c.id).in_(keys)))).mappings().all())}
        return [(owners[(x.tenant, x.assignment)], x) for x in running
                if (x.tenant, x.assignment) in owners]

    async def last_error(self, assignment: Assignment) -> str:
        """The error of the assignment's latest failed execution ("" when there is none)."""
        e = executions.c
        query = (sa.select(e.error).where(e.tenant == assignment.tenant,
                                          e.assignment == assignment.id, e.error != "")
                 .order_by(e.assignment_attempt.desc()).limit(1))
        async with self.db.connect() as conn:
            return str((await conn.execute(query)).scalar() or "")

    async def succeeded_output(self, assignment: Assignment) -> str:
        """The output of the assignment's succeeded execution ("" when there is none)."""
        e = executions.c
        query = sa.select(e.output).where(e.tenant == assignment.tenant,
                                          e.assignment == assignment.id,
                                          e.state == ExecutionState.SUCCEEDED)
        async with self.db.connect() as conn:
            return str((await conn.execute(query)).scalar() or "")
