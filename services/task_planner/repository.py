"""The task-planner's tables and repositories; the only module of the service with SQL."""

from __future__ import annotations

import collections
import dataclasses
import datetime as dt
from collections.abc import Callable, Collection, Sequence
from typing import Any, cast

import sqlalchemy as sa
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncConnection

from services.task_planner.core.models import (
    DecideGoalChange,
    Goal,
    GoalChange,
    GoalPriority,
    GoalState,
    Plan,
    ReadyWork,
    Task,
    TaskState,
    WrittenGoalChange,
)
from shared.database import (
    DatabaseConnection,
    Repository,
    UtcDateTime,
    entity_columns,
    enum_column,
    utc_now,
)
from shared.errors import Aborted, CognitionError, NotFound
from shared.resources import names
from shared.resources.entity import new_etag
from shared.rpc import audit

metadata = sa.MetaData()


goals = sa.Table(
    "goals",
    metadata,
    *entity_columns(),
    sa.Column("description", sa.Text, nullable=False),
    sa.Column("state", enum_column(GoalState), nullable=False),
    sa.Column("priority", enum_column(GoalPriority), nullable=False),
    sa.Column("labels", sa.JSON, nullable=False),
    sa.Column("plan", sa.String(256), nullable=False),
    sa.Column("state_reason", sa.Text, nullable=False),
    # Who holds the goal's planning claim (see PendingGoalQueue): the replica, when its process
    # started, and when the claim was made or last renewed.
    sa.Column("claimed_by", sa.String(64), nullable=False, default=""),
    sa.Column("claimer_start_time", UtcDateTime(), nullable=True),
    sa.Column("claim_renew_time", UtcDateTime(), nullable=True),
    sa.Index("goals_by_tenant_time", "tenant", "create_time"),
)


def goal_repository(db: DatabaseConnection) -> Repository[Goal]:
    """Goals, tenant-scoped."""
    return Repository(db, goals, Goal, "goal")


plans = sa.Table(
    "plans",
    metadata,
    sa.Column("tenant", sa.String(64), primary_key=True),
    sa.Column("goal_id", sa.String(64), primary_key=True),
    sa.Column("id", sa.String(64), primary_key=True),
    sa.Column("revision", sa.Integer, nullable=False),
    sa.Column("complexity", sa.Integer, nullable=False),
    sa.Column("replan_reason", sa.Text, nullable=False),
    sa.Column("create_time", UtcDateTime(), nullable=False),
    sa.UniqueConstraint("tenant", "goal_id", "revision", name="plans_revision_unique"),
)

tasks = sa.Table(
    "tasks",
    metadata,
    sa.Column("tenant", sa.String(64), primary_key=True),
    sa.Column("goal_id", sa.String(64), primary_key=True),
    sa.Column("plan_id", sa.String(64), primary_key=True),
    sa.Column("id", sa.String(64), primary_key=True),
    sa.Column("position", sa.Integer, nullable=False),
    sa.Column("title", sa.Text, nullable=False),
    sa.Column("instructions", sa.Text, nullable=False),
    sa.Column("agent_role", sa.String(64), nullable=False),
    sa.Column("depends_on", sa.JSON, nullable=False),
    sa.Column("tools", sa.JSON, nullable=False),
    sa.Column("acceptance_criteria", sa.JSON, nullable=False),
    sa.Column("critical", sa.Boolean, nullable=False),
    sa.Column("state", enum_column(TaskState), nullable=False),
    sa.Column("result", sa.Text, nullable=False),
    sa.Column("attempts", sa.Integer, nullable=False),
    sa.Column("start_time", UtcDateTime(), nullable=True),
    sa.Column("end_time", UtcDateTime(), nullable=True),
    sa.Column("create_time", UtcDateTime(), nullable=False),
    sa.Column("update_time", UtcDateTime(), nullable=False),
    sa.Index("tasks_by_state", "state", "update_time"),
)

_LIST_FIELDS = ("depends_on", "tools", "acceptance_criteria")
_TASK_FIELDS = [f.name for f in dataclasses.fields(Task)]


def _task_row(tenant: str, goal_id: str, plan_id: str, position: int,
              task: Task) -> dict[str, Any]:
    row: dict[str, Any] = {name: getattr(task, name) for name in _TASK_FIELDS}
    for name in _LIST_FIELDS:
        row[name] = list(row[name])
    row.update(tenant=tenant, goal_id=goal_id, plan_id=plan_id, position=position)
    return row


def _task_of(row: sa.RowMapping) -> Task:
    values = {name: row[name] for name in _TASK_FIELDS}
    for name in _LIST_FIELDS:
        values[name] = tuple(values[name])
    return Task(**values)


def _plan_of(rows: Sequence[sa.RowMapping]) -> Plan:
    """The plan of rows of ``_PLAN_WITH_TASKS`` (at least one)."""
    first = rows[0]
    return Plan(tenant=first["p_tenant"], goal_id=first["p_goal_id"], id=first["p_id"],
                revision=first["p_revision"], complexity=first["p_complexity"],
                replan_reason=first["p_replan_reason"], create_time=first["p_create_time"],
                tasks=tuple(_task_of(r) for r in rows if r["id"] is not None))


# The statements of a goal's change, built once: building and caching a statement costs more
# than running it. Names of bound parameters start with ``b_`` where a column's would clash.
_GOAL = sa.and_(goals.c.tenant == sa.bindparam("b_tenant"), goals.c.id == sa.bindparam("b_goal"))
_UPDATE_GOAL = sa.update(goals).where(_GOAL)
_UPDATE_GOAL_AS_KEPT = sa.update(goals).where(_GOAL, goals.c.etag == sa.bindparam("b_etag"))
_LATEST_REVISION = (sa.select(sa.func.max(plans.c.revision))
                    .where(plans.c.tenant == sa.bindparam("b_tenant"),
                           plans.c.goal_id == sa.bindparam("b_goal")).scalar_subquery())
_PLAN_COLUMNS = {f"p_{c.name}": c for c in plans.c}
# A plan with its tasks in one query: a row per task (one with no task columns for a plan
# without tasks), each carrying the plan's columns as ``p_*``.
_PLAN_WITH_TASKS = (
    sa.select(*(c.label(label) for label, c in _PLAN_COLUMNS.items()), tasks)
    .select_from(plans.outerjoin(tasks, sa.and_(tasks.c.tenant == plans.c.tenant,
                                                tasks.c.goal_id == plans.c.goal_id,
                                                tasks.c.plan_id == plans.c.id)))
    .where(plans.c.tenant == sa.bindparam("b_tenant"), plans.c.goal_id == sa.bindparam("b_goal"))
    .order_by(tasks.c.position))
_CURRENT_PLAN_TASKS = _PLAN_WITH_TASKS.where(plans.c.revision == _LATEST_REVISION)
_NAMED_PLAN_TASKS = _PLAN_WITH_TASKS.where(plans.c.id == sa.bindparam("b_plan"))
_UPDATE_TASK = sa.update(tasks).where(
    tasks.c.tenant == sa.bindparam("b_tenant"), tasks.c.goal_id == sa.bindparam("b_goal"),
    tasks.c.plan_id == sa.bindparam("b_plan"), tasks.c.id == sa.bindparam("b_task"))


def _audited(change: GoalChange) -> tuple[audit.CallAudit, ...]:
    """The audit entries of the calls ``change`` serves: the core carries them as opaque
    ``AuditedCall``s, made by the RPC runtime (``audit.serving``, wired in by server.py)."""
    return cast(tuple[audit.CallAudit, ...], change.audited)


def _whole(change: GoalChange, goal: Goal) -> GoalChange:
    """``change`` with the goal written too when its plan or tasks change (its etag must)."""
    if (change.tasks or change.new_plan) and change.goal is None:
        return dataclasses.replace(change, goal=goal)
    return change


class PlanRepository:
    """Plans and their tasks, tenant-scoped, changed together with their goal.

    Every change of a goal, its plans or tasks runs in one transaction that starts by writing
    the goal's row, which takes the row's lock (PostgreSQL) or the database's write lock
    (SQLite) up front, so concurrent changes of one goal are serialized instead of lost.

    A change keeps the goal and plan it wrote (every write of a goal, its plan or its tasks
    gives the goal a new etag). The next change of the goal starts from them: it writes the
    goal's row first, on condition that the etag is still the one kept, and then the rest. When
    something else wrote the goal since (another replica, a goal update), nothing is written
    and the change starts again from the goal as locked and its plan as read (the kept plan
    still serves when the goal's etag matches it). Either way a change reads neither the goal
    nor every task of its plan (a cost that grows with the plan) when nothing else wrote them.

    Args:
        db: The service's database.
        goals: The goals' repository (for the tenant check and the goal's row).
        kept_plans: How many goals' plans are kept.
    """

    def __init__(self, db: DatabaseConnection, goals: Repository[Goal],
                 kept_plans: int = 1024) -> None:
        self._db = db
        self._goals = goals
        self._kept: collections.OrderedDict[tuple[str, str], tuple[Goal, Plan | None]] = (
            collections.OrderedDict())
        self._kept_limit = kept_plans

    async def current(self, tenant: str, goal_id: str) -> Plan | None:
        """The goal's plan of the highest revision, or None before its first plan."""
        self._goals.check_tenant(tenant)
        async with self._db.connect() as conn:
            return await self._current(conn, tenant, goal_id)

    async def goal_and_plan(self, tenant: str, goal_id: str) -> tuple[Goal, Plan | None]:
        """The goal and its current plan as stored (the plan kept, while the goal is as the
        change that kept it wrote it).

        Raises:
            NotFound: No such goal in this tenant.
        """
        goal = await self._goals.get(tenant, goal_id)
        return goal, await self._current_of(goal)

    async def get(self, tenant: str, goal_id: str, plan_id: str) -> Plan:
        """Plan ``plan_id`` of the goal.

        Raises:
            NotFound: No such plan in this tenant.
        """
        self._goals.check_tenant(tenant)
        async with self._db.connect() as conn:
            rows = (await conn.execute(_NAMED_PLAN_TASKS, {
                "b_tenant": tenant, "b_goal": goal_id, "b_plan": plan_id})).mappings().all()
        if not rows:
            raise NotFound(f"plan {plan_id!r} of goal {goal_id!r} not found",
                           reason="PLAN_NOT_FOUND", metadata={"id": plan_id})
        return _plan_of(rows)

    async def _current(self, conn: AsyncConnection, tenant: str, goal_id: str) -> Plan | None:
        rows = (await conn.execute(_CURRENT_PLAN_TASKS, {"b_tenant": tenant, "b_goal": goal_id})
                ).mappings().all()
        return _plan_of(rows) if rows else None

    async def create_goal(self, goal: Goal, plan: Plan) -> Goal:
        """Insert a new goal with its first plan, in one transaction, with the audit entry
        of the call being served (CreateGoal); returns the goal as stored.

        Raises:
            AlreadyExists: The goal's id is taken (nothing is written).
        """
        name = names.format_name(goal.tenant, "goals", goal.id)
        async with audit.transaction_with_entry(self._db, name) as conn:
            stored = await self._goals.create_in(conn, goal)
            await self._write_plan(conn, GoalChange(new_plan=plan), None)
        self._keep(stored, plan)
        return stored

    async def change(self, tenant: str, goal_id: str,
                     mutation: DecideGoalChange) -> WrittenGoalChange:
        """Apply ``mutation`` to the goal and its current plan in one transaction.

        Returns:
            The change written (with the goal as stored, new etag, when it changed), and the
            goal and its current plan after it.

        Raises:
            NotFound: No such goal in this tenant.
            Aborted: A plan of the same revision was stored concurrently.
        """
        self._goals.check_tenant(tenant)
        try:
            kept = self._kept.get((tenant, goal_id))
            changed = None if kept is None else await self._change_kept(*kept, mutation)
            return changed or await self._change_locked(tenant, goal_id, mutation)
        except IntegrityError as error:
            raise Aborted(f"goal {goal_id!r} was replanned concurrently",
                          reason="PLAN_CONFLICT") from error

    async def _change_kept(self, goal: Goal, current: Plan | None, mutation: DecideGoalChange
                           ) -> WrittenGoalChange | None:
        """The change ``mutation`` makes of the goal and plan kept, written if the goal is
        still as kept; None (nothing written) when it is not, when the change writes nothing
        or when the mutation refuses: those are decided on the goal as stored."""
        try:
            change = _whole(mutation(goal, current), goal)
        except CognitionError:
            return None
        if change.goal is None:
            return None
        async with self._db.transaction() as conn:
            written = await self._write_goal(conn, change.goal, expected_etag=goal.etag)
            if written is None:
                return None
            await self._write_plan(conn, change, current)
        return self._changed(dataclasses.replace(change, goal=written), goal, current)

    async def _change_locked(self, tenant: str, goal_id: str, mutation: DecideGoalChange
                             ) -> WrittenGoalChange:
        """The change ``mutation`` makes of the goal as locked and its current plan."""
        async with self._db.transaction() as conn:
            goal = await self._goals.lock_in(conn, tenant, goal_id)
            current = await self._current_of(goal, conn)
            change = _whole(mutation(goal, current), goal)
            written = None if change.goal is None else await self._write_goal(conn, change.goal)
            await self._write_plan(conn, change, current)
        return self._changed(dataclasses.replace(change, goal=written), goal, current)

    def _changed(self, written: GoalChange, goal: Goal, current: Plan | None) -> WrittenGoalChange:
        """After the commit of ``written``, made of ``goal`` and plan ``current``."""
        for call in _audited(written):
            call.committed()
        after = WrittenGoalChange(written, written.goal or goal, written.plan_after(current))
        self._keep(after.goal, after.plan)
        return after

    async def _current_of(self, goal: Goal, conn: AsyncConnection | None = None
                          ) -> Plan | None:
        """The current plan of ``goal`` as read (on ``conn``, if given): the one kept, if the
        goal is still as the change that kept it wrote it; else read."""
        key = (goal.tenant, goal.id)
        kept = self._kept.get(key)
        if kept is not None and kept[0].etag == goal.etag:
            self._kept.move_to_end(key)
            return kept[1]
        if conn is None:
            return await self.current(goal.tenant, goal.id)
        return await self._current(conn, goal.tenant, goal.id)

    def _keep(self, goal: Goal, plan: Plan | None) -> None:
        """Keep ``goal`` and its current ``plan`` as a change of this replica wrote them."""
        key = (goal.tenant, goal.id)
        self._kept[key] = (goal, plan)
        self._kept.move_to_end(key)
        while len(self._kept) > self._kept_limit:
            self._kept.popitem(last=False)

    async def _write_plan(self, conn: AsyncConnection, change: GoalChange,
                          current: Plan | None) -> None:
        """Insert the change's new plan, or update the tasks it changed in ``current``; with
        the audit entries of the calls it serves."""
        plan = change.new_plan
        if plan is not None:
            await conn.execute(sa.insert(plans), dict(
                tenant=plan.tenant, goal_id=plan.goal_id, id=plan.id, revision=plan.revision,
                complexity=plan.complexity, replan_reason=plan.replan_reason,
                create_time=plan.create_time))
            await conn.execute(sa.insert(tasks), [
                _task_row(plan.tenant, plan.goal_id, plan.id, i, t)
                for i, t in enumerate(plan.tasks)])
        if change.tasks and current is not None:
            await self._write_tasks(conn, current, change.tasks)
        for call in _audited(change):
            await call.write_in(conn)

    @staticmethod
    async def _write_goal(conn: AsyncConnection, goal: Goal, expected_etag: str = ""
                          ) -> Goal | None:
        """Write ``goal``'s state and plan with a new etag; returns it as written, or None
        when ``expected_etag`` is given and the stored goal no longer has it."""
        written = dataclasses.replace(goal, etag=new_etag(), update_time=utc_now())
        values = dict(b_tenant=goal.tenant, b_goal=goal.id, state=written.state,
                      plan=written.plan, state_reason=written.state_reason, etag=written.etag,
                      update_time=written.update_time)
        if not expected_etag:
            await conn.execute(_UPDATE_GOAL, values)
            return written
        result = await conn.execute(_UPDATE_GOAL_AS_KEPT, {**values, "b_etag": expected_etag})
        return written if result.rowcount else None

    @staticmethod
    async def _write_tasks(conn: AsyncConnection, plan: Plan, changed: Sequence[Task]) -> None:
        rows = []
        for task in changed:
            row = _task_row(plan.tenant, plan.goal_id, plan.id, 0, task)
            for key in ("tenant", "goal_id", "plan_id", "id", "position", "create_time"):
                row.pop(key)
            rows.append({**row, "b_tenant": plan.tenant, "b_goal": plan.goal_id,
                         "b_plan": plan.id, "b_task": task.id})
        if rows:
            await conn.execute(_UPDATE_TASK, rows)

    async def ready(self, tenant: str | None, limit: int) -> list[ReadyWork]:
        """See :func:`ready_work`."""
        if tenant is not None:
            self._goals.check_tenant(tenant)
        return await ready_work(self._db, tenant, limit)

    async def delete_goal(self, tenant: str, goal_id: str) -> None:
        """Delete the goal with all its plans and tasks, in one transaction.

        Raises:
            NotFound: No such goal in this tenant.
        """
        self._goals.check_tenant(tenant)
        async with self._db.transaction() as conn:
            for table in (tasks, plans):
                await conn.execute(sa.delete(table).where(
                    table.c.tenant == tenant, table.c.goal_id == goal_id))
            result = await conn.execute(sa.delete(goals).where(
                goals.c.tenant == tenant, goals.c.id == goal_id))
            self._kept.pop((tenant, goal_id), None)
            if result.rowcount == 0:
                raise NotFound(f"goal {goal_id!r} not found", reason="GOAL_NOT_FOUND",
                               metadata={"id": goal_id})


_PRIORITY_ORDER = sa.case({GoalPriority.HIGH.value: 0, GoalPriority.NORMAL.value: 1},
                          value=goals.c.priority, else_=2)


def _ready_query(one_tenant: bool) -> sa.Select[Any]:
    t, g = tasks.c, goals.c
    current_plan = ("tenants/" + t.tenant + "/goals/" + t.goal_id + "/plans/" + t.plan_id)
    query = (sa.select(tasks, g.description.label("goal_description"))
             .join(goals, sa.and_(g.tenant == t.tenant, g.id == t.goal_id))
             .where(t.state == TaskState.READY.value, g.state == GoalState.RUNNING.value,
                    g.plan == current_plan)
             .order_by(_PRIORITY_ORDER, t.update_time, t.position)
             .limit(sa.bindparam("b_limit", type_=sa.Integer)))
    return query.where(t.tenant == sa.bindparam("b_tenant")) if one_tenant else query


_READY_OF_TENANT, _READY_OF_ALL = _ready_query(True), _ready_query(False)


async def ready_work(db: DatabaseConnection, tenant: str | None, limit: int) -> list[ReadyWork]:
    """Up to ``limit`` READY tasks of the current plans of RUNNING goals (one tenant, or all
    when ``tenant`` is None): higher goal priority first, then the longest ready."""
    async with db.connect() as conn:
        if tenant is None:
            found = await conn.execute(_READY_OF_ALL, {"b_limit": limit})
        else:
            found = await conn.execute(_READY_OF_TENANT, {"b_limit": limit, "b_tenant": tenant})
        rows = found.mappings().all()
        results = await _upstream_results(conn, rows)
    return [ReadyWork(tenant=r["tenant"], goal_id=r["goal_id"],
                      goal_description=r["goal_description"], task=_task_of(r),
                      upstream_results={dep: results[(r["tenant"], r["goal_id"], r["plan_id"],
                                                      dep)]
                                        for dep in r["depends_on"]
                                        if (r["tenant"], r["goal_id"], r["plan_id"], dep)
                                        in results})
            for r in rows]


async def _upstream_results(conn: AsyncConnection, rows: Sequence[sa.RowMapping]
                            ) -> dict[tuple[str, str, str, str], str]:
    """Results of the SUCCEEDED tasks of the plans of ``rows``, by (tenant, goal, plan, id)."""
    plans_of = {(r["tenant"], r["goal_id"], r["plan_id"]) for r in rows if r["depends_on"]}
    if not plans_of:
        return {}
    t = tasks.c
    query = sa.select(t.tenant, t.goal_id, t.plan_id, t.id, t.result).where(
        t.state == TaskState.SUCCEEDED.value,
        sa.tuple_(t.tenant, t.goal_id, t.plan_id).in_(list(plans_of)))
    return {(row.tenant, row.goal_id, row.plan_id, row.id): row.result
            for row in (await conn.execute(query)).all()}


@dataclasses.dataclass(frozen=True)
class Claimant:
    """A planner replica's process: the replica's id, the same across its restarts (unique
    among live replicas), and when this process started."""

    replica: str
    start_time: dt.datetime = dataclasses.field(default_factory=utc_now)


class PendingGoalQueue:
    """Goals waiting for a plan, across tenants; claims are conditional updates, so several
    planner replicas never draft the same goal.

    A claim records its claimant and is a lease: the claimant renews it while drafting, and a
    goal whose claim was not renewed for ``lease`` (its replica died) is claimed again by any
    replica. A goal claimed by an earlier process of this same replica (it died and was
    restarted) is claimed again at once.

    Args:
        goals: Repository of goals.
        claimant: This process.
        lease: How long a claim holds unless renewed.
        clock: The time now.
    """

    def __init__(self, goals: Repository[Goal], claimant: Claimant,
                 lease: dt.timedelta = dt.timedelta(seconds=30),
                 clock: Callable[[], dt.datetime] = utc_now) -> None:
        self._goals = goals
        self._claimant = claimant
        self._lease = lease
        self._clock = clock

    def _waiting(self, now: dt.datetime) -> sa.ColumnElement[bool]:
        """Goals to claim: PENDING, or PLANNING and claimed by an earlier process of this
        replica or not renewed within the lease."""
        c = goals.c
        # A claim made before claims were renewed has no renewal time: its update time serves.
        renewed = sa.func.coalesce(c.claim_renew_time, c.update_time)
        claim_ended = sa.or_(
            renewed < now - self._lease,
            sa.and_(c.claimed_by == self._claimant.replica,
                    c.claimer_start_time < self._claimant.start_time))
        return sa.or_(c.state == GoalState.PENDING.value,
                      sa.and_(c.state == GoalState.PLANNING.value, claim_ended))

    def _mine(self) -> sa.ColumnElement[bool]:
        """Goals whose claim this process holds (or last held)."""
        c = goals.c
        return sa.and_(c.claimed_by == self._claimant.replica,
                       c.claimer_start_time == self._claimant.start_time)

    async def claim_pending(self, limit: int) -> list[Goal]:
        """Move up to ``limit`` of the oldest goals waiting (see ``_waiting``) to PLANNING,
        claimed by this process, and return them."""
        c = goals.c
        async with self._goals.db.connect() as conn:
            rows = (await conn.execute(
                sa.select(c.tenant, c.id, c.etag).where(self._waiting(self._clock()))
                .order_by(c.create_time).limit(limit))).all()
        claimed = []
        for tenant, goal_id, etag in rows:
            if await self._claim(tenant, goal_id, etag):
                claimed.append(await self._goals.get(tenant, goal_id))
        return claimed

    async def _claim(self, tenant: str, goal_id: str, etag: str) -> bool:
        """PLANNING, if the goal is as read and still waiting: one claimer wins (a renewal
        since the read keeps the goal from waiting)."""
        c = goals.c
        now = self._clock()
        async with self._goals.db.transaction() as conn:
            result = await conn.execute(
                sa.update(goals).where(c.tenant == tenant, c.id == goal_id, c.etag == etag,
                                       self._waiting(now))
                .values(state=GoalState.PLANNING.value, update_time=now, etag=new_etag(),
                        claimed_by=self._claimant.replica,
                        claimer_start_time=self._claimant.start_time, claim_renew_time=now))
        return bool(result.rowcount)

    async def renew(self, claimed: Collection[tuple[str, str]]) -> set[tuple[str, str]]:
        """Renew this process's claims of the goals ``claimed`` (tenant, id) that are still
        PLANNING; returns those that another claimant has claimed since."""
        if not claimed:
            return set()
        c = goals.c
        keys = sa.tuple_(c.tenant, c.id).in_(list(claimed))
        async with self._goals.db.transaction() as conn:
            await conn.execute(
                sa.update(goals).where(keys, self._mine(), c.state == GoalState.PLANNING.value)
                .values(claim_renew_time=self._clock()))
            taken = await conn.execute(sa.select(c.tenant, c.id).where(keys, ~self._mine()))
            return {(tenant, goal_id) for tenant, goal_id in taken.all()}

    async def release(self, goal: Goal) -> None:
        """Put a goal this process claimed back for a later round."""
        await self._move(goal.tenant, goal.id, GoalState.PENDING)

    async def fail(self, goal: Goal, reason: str) -> None:
        """The goal this process claimed cannot be planned, for ``reason``."""
        await self._move(goal.tenant, goal.id, GoalState.FAILED, reason)

    async def _move(self, tenant: str, goal_id: str, new: GoalState,
                    reason: str | None = None) -> bool:
        """From PLANNING to ``new``, if this process still holds the goal's claim."""
        c = goals.c
        async with self._goals.db.transaction() as conn:
            result = await conn.execute(
                sa.update(goals).where(c.tenant == tenant, c.id == goal_id,
                                       c.state == GoalState.PLANNING.value, self._mine())
                .values(state=new.value, update_time=self._clock(), etag=new_etag(),
                        **({} if reason is None else {"state_reason": reason})))
        return bool(result.rowcount)
