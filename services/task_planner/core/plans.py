"""``PlanService``: storing, replanning and running goals' plans, and watching goals."""

from __future__ import annotations

import asyncio
import base64
import binascii
import contextlib
import dataclasses
import datetime as dt
import json
from collections.abc import AsyncIterator, Callable, Sequence
from typing import Protocol

from services.task_planner.core import lifecycle
from services.task_planner.core.models import (
    AuditedCall,
    DecideGoalChange,
    Goal,
    GoalChange,
    GoalEvent,
    GoalState,
    Plan,
    PlanDraft,
    ReadyWork,
    Task,
    TaskState,
    WrittenGoalChange,
)
from services.task_planner.core.readiness import ReadyWaiters, ready_after
from services.task_planner.core.task_updates import TaskUpdate, apply_update
from services.task_planner.core.validation import PlanValidator, dependency_order
from shared.errors import CognitionError, FailedPrecondition, InvalidArgument, NotFound
from shared.group_commit import GroupCommit
from shared.resources.entity import utc_now
from shared.resources.pages import Page, PageRequest
from shared.resources.store import Store

UPDATABLE_TASK_FIELDS = ("state", "result", "attempts")


class PlanStore(Protocol):
    """Where plans and tasks live (``repository.PlanRepository``; a fake in tests)."""

    async def current(self, tenant: str, goal_id: str) -> Plan | None: ...

    async def goal_and_plan(self, tenant: str, goal_id: str) -> tuple[Goal, Plan | None]: ...

    async def get(self, tenant: str, goal_id: str, plan_id: str) -> Plan: ...

    async def create_goal(self, goal: Goal, plan: Plan) -> Goal: ...

    async def change(self, tenant: str, goal_id: str, mutation: DecideGoalChange
                     ) -> WrittenGoalChange: ...

    async def delete_goal(self, tenant: str, goal_id: str) -> None: ...

    async def ready(self, tenant: str | None, limit: int) -> list[ReadyWork]: ...


def plan_id_of(revision: int) -> str:
    """Id of a goal's plan of ``revision``: ``r1``, ``r2``, ..."""
    return f"r{revision}"


def plan_name(tenant: str, goal_id: str, plan_id: str) -> str:
    """``tenants/{tenant}/goals/{goal}/plans/{plan}``."""
    return f"tenants/{tenant}/goals/{goal_id}/plans/{plan_id}"


def _first_plan(tenant: str, goal_id: str, draft: PlanDraft, now: dt.datetime) -> Plan:
    """Revision 1 of a goal's plan: ``draft``'s tasks in their initial states."""
    return Plan(tenant=tenant, goal_id=goal_id, id=plan_id_of(1), revision=1,
                complexity=draft.complexity, create_time=now,
                tasks=lifecycle.initial_states(draft.tasks, now))


def no_audited_call() -> AuditedCall | None:
    """The default source of the current call's audit entry: there is none."""
    return None


def _ended(goal: Goal) -> FailedPrecondition:
    return FailedPrecondition(f"goal {goal.id!r} already ended ({goal.state})",
                              reason="GOAL_ENDED", metadata={"state": goal.state.value})


class PlanService:
    """Plans of goals: validated on the way in, changed atomically with their goal.

    Args:
        goals: Repository of goals.
        plans: Store of plans and tasks.
        validator: Checks drafted plans.
        watch_interval: Seconds between polls of a watched goal.
        max_replans: Times a goal whose plan failed is planned again before it fails.
        audited_call: The audit entry of the call being served, if any (the RPC runtime's
            ``shared.rpc.audit.serving``); a task update's is written with its change.
    """

    def __init__(self, goals: Store[Goal], plans: PlanStore, validator: PlanValidator,
                 watch_interval: float = 0.25, max_replans: int = 1,
                 audited_call: Callable[[], AuditedCall | None] = no_audited_call) -> None:
        self._goals = goals
        self._plans = plans
        self._validator = validator
        self._watch_interval = watch_interval
        self._max_replans = max_replans
        self._audited_call = audited_call
        self._waiters = ReadyWaiters()  # callers of ready() waiting for work
        self._watchers: dict[tuple[str, str], set[_Watcher]] = {}  # handed goal changes
        self._updates: GroupCommit[tuple[str, str], tuple[TaskUpdate, AuditedCall | None],
                                   Task] = GroupCommit(
            self._update_tasks)

    async def create(self, tenant: str, goal_id: str, draft: PlanDraft) -> Plan:
        """Validate ``draft`` and store it as the goal's first plan; the goal becomes RUNNING.

        Raises:
            NotFound: No such goal.
            InvalidArgument: The plan is malformed (nothing is written).
            FailedPrecondition: The goal has a plan already (PLAN_EXISTS), has ended
                (GOAL_ENDED), or the plan is over budget (PLAN_OVER_BUDGET).
        """
        await self._goals.get(tenant, goal_id)
        await self._validator.validate(tenant, draft)
        return await self._store_first(tenant, goal_id, draft)

    async def create_goal(self, goal: Goal, draft: PlanDraft) -> Goal:
        """Store a new goal with ``draft`` as its first plan, in one transaction, validated
        before anything is written; the planner agent is not asked. The goal is RUNNING.

        Raises:
            InvalidArgument: The plan is malformed.
            FailedPrecondition: The plan is over budget (PLAN_OVER_BUDGET).
            AlreadyExists: The goal id is taken.
        """
        await self._validator.validate(goal.tenant, draft)
        plan = _first_plan(goal.tenant, goal.id, draft, utc_now())
        running = dataclasses.replace(goal, state=GoalState.RUNNING, state_reason="",
                                      plan=plan_name(goal.tenant, goal.id, plan.id))
        stored = await self._plans.create_goal(running, plan)
        self._waiters.offer(ready_after(stored, plan))
        return stored

    async def _store_first(self, tenant: str, goal_id: str, draft: PlanDraft) -> Plan:
        now = utc_now()

        def mutation(goal: Goal, current: Plan | None) -> GoalChange:
            if current is not None:
                raise FailedPrecondition(
                    f"goal {goal_id!r} already has a plan; replan it instead",
                    reason="PLAN_EXISTS", metadata={"plan": goal.plan})
            if goal.state.ended:
                raise _ended(goal)
            plan = _first_plan(tenant, goal_id, draft, now)
            paused = goal.state == GoalState.PAUSED
            return GoalChange(goal=dataclasses.replace(
                goal, state=GoalState.PAUSED if paused else GoalState.RUNNING,
                state_reason=goal.state_reason if paused else "",
                plan=plan_name(tenant, goal_id, plan.id)), new_plan=plan)

        change = await self._change(tenant, goal_id, mutation)
        assert change.new_plan is not None
        return change.new_plan

    async def replan(self, tenant: str, goal_id: str, reason: str, draft: PlanDraft) -> Plan:
        """Store ``draft`` as the goal's next plan revision, keeping the earlier plans; tasks
        of the current plan that SUCCEEDED are carried over by id.

        Raises:
            NotFound: No such goal.
            InvalidArgument: The plan is malformed (nothing is written).
            FailedPrecondition: The goal has no plan yet (NO_PLAN), succeeded or was cancelled
                (GOAL_ENDED), or the plan is over budget (PLAN_OVER_BUDGET).
            Aborted: Another replan of the goal won.
        """
        await self._goals.get(tenant, goal_id)
        await self._validator.validate(tenant, draft)
        now = utc_now()

        def mutation(goal: Goal, current: Plan | None) -> GoalChange:
            if current is None:
                raise FailedPrecondition(f"goal {goal_id!r} has no plan yet; create one",
                                         reason="NO_PLAN")
            if goal.state in (GoalState.SUCCEEDED, GoalState.CANCELLED):
                raise _ended(goal)
            tasks = lifecycle.carry_over(current.tasks, lifecycle.initial_states(draft.tasks, now))
            tasks = lifecycle.promote_ready(tasks, now)
            revision = current.revision + 1
            plan = Plan(tenant=tenant, goal_id=goal_id, id=plan_id_of(revision),
                        revision=revision, complexity=draft.complexity, replan_reason=reason,
                        create_time=now, tasks=tasks)
            paused = goal.state == GoalState.PAUSED
            base = GoalState.PAUSED if paused else GoalState.RUNNING
            return GoalChange(goal=dataclasses.replace(
                goal, state=lifecycle.derive_goal_state(base, tasks),
                state_reason=goal.state_reason if paused else "",
                plan=plan_name(tenant, goal_id, plan.id)), new_plan=plan)

        change = await self._change(tenant, goal_id, mutation)
        assert change.new_plan is not None
        return change.new_plan

    async def get(self, tenant: str, goal_id: str, plan_id: str) -> Plan:
        """Plan ``plan_id`` of the goal (current or earlier).

        Raises:
            NotFound: No such plan.
        """
        return await self._plans.get(tenant, goal_id, plan_id)

    async def current(self, tenant: str, goal_id: str) -> Plan:
        """The goal's current plan.

        Raises:
            NotFound: No such goal, or it has no plan yet (PLAN_NOT_FOUND).
        """
        await self._goals.get(tenant, goal_id)
        plan = await self._plans.current(tenant, goal_id)
        if plan is None:
            raise NotFound(f"goal {goal_id!r} has no plan yet", reason="PLAN_NOT_FOUND")
        return plan

    async def list_tasks(self, tenant: str, goal_id: str, page_size: int,
                         page_token: str) -> Page[Task]:
        """One page of the current plan's tasks, in dependency order.

        Raises:
            NotFound: No such goal, or it has no plan yet.
            InvalidArgument: A negative page size or a bad page token.
        """
        size = PageRequest.of(page_size, "").size
        plan = await self.current(tenant, goal_id)
        offset = _TaskCursor.decode(page_token, plan.id) if page_token else 0
        ordered = dependency_order(plan.tasks)
        items = ordered[offset:offset + size]
        more = offset + size < len(ordered)
        return Page(items, _TaskCursor(plan.id, offset + size).encode() if more else "")

    async def update_task(self, tenant: str, goal_id: str, task_id: str,
                          state: TaskState | None = None, result: str | None = None,
                          attempts: int | None = None) -> Task:
        """Move a task of the current plan to ``state``, set its ``result`` and/or the
        ``attempts`` made at it (the orchestrator's count); dependents whose dependencies are
        now done become READY and the goal's state follows.

        Concurrent updates of one goal's tasks are written together (one transaction per
        round), each getting its own outcome.

        Raises:
            NotFound: No such goal or task.
            FailedPrecondition: The transition is not allowed, the task ended (TASK_ENDED)
                or the goal ended (GOAL_ENDED).
        """
        self._goals.check_tenant(tenant)
        return await self._updates.submit((tenant, goal_id),
                                          (TaskUpdate(task_id, state, result, attempts),
                                           self._audited_call()))

    async def _update_tasks(self, key: tuple[str, str],
                            updates: Sequence[tuple[TaskUpdate, AuditedCall | None]]
                            ) -> list[Task | Exception]:
        """Apply ``updates`` in order in one change of the goal; a refused update gets its
        error and the others still apply (a goal-level refusal fails them all). The audit
        entry of each applied update's call is written with the change."""
        tenant, goal_id = key
        now = utc_now()
        outcomes: list[str | Exception] = []
        final: dict[str, Task] = {}

        def mutation(goal: Goal, current: Plan | None) -> GoalChange:
            outcomes.clear()
            if current is None:
                raise NotFound(f"goal {goal_id!r} has no plan yet", reason="TASK_NOT_FOUND")
            if goal.state.ended:
                raise _ended(goal)
            tasks = list(current.tasks)
            audited: list[AuditedCall] = []
            for update, call in updates:
                try:
                    tasks = list(lifecycle.promote_ready(
                        apply_update(tasks, goal_id, update, now), now))
                    outcomes.append(update.task_id)
                except CognitionError as refused:
                    outcomes.append(refused)
                    continue
                if call is not None:
                    audited.append(call)
            changed = tuple(t for t, old in zip(tasks, current.tasks, strict=True) if t != old)
            goal_state = lifecycle.derive_goal_state(goal.state, tasks)
            reason = goal.state_reason
            if goal_state == GoalState.FAILED:
                failed = ", ".join(t.id for t in tasks
                                   if t.state == TaskState.FAILED and t.critical)
                reason = f"critical task {failed} failed for good"
                if current.revision <= self._max_replans:
                    # The goal waits for the planner agent to plan it again (the planning
                    # loop picks up PENDING goals).
                    goal_state, reason = GoalState.PENDING, f"{reason}; planning again"
            new_goal = (dataclasses.replace(goal, state=goal_state, state_reason=reason)
                        if goal_state != goal.state or changed else None)
            final.clear()
            final.update((t.id, t) for t in tasks)
            return GoalChange(goal=new_goal, tasks=changed, audited=tuple(audited))

        await self._change(tenant, goal_id, mutation)
        return [outcome if isinstance(outcome, Exception) else final[outcome]
                for outcome in outcomes]

    async def cancel_goal(self, tenant: str, goal_id: str, reason: str = "") -> Goal:
        """Cancel a goal that has not ended, and its current plan's unfinished tasks.

        Raises:
            NotFound: No such goal.
            FailedPrecondition: The goal already ended (GOAL_ENDED).
        """
        now = utc_now()

        def mutation(goal: Goal, current: Plan | None) -> GoalChange:
            if goal.state.ended:
                raise _ended(goal)
            tasks = current.tasks if current is not None else ()
            cancelled = tuple(
                dataclasses.replace(t, state=TaskState.CANCELLED, update_time=now, end_time=now)
                for t in tasks if not t.state.ended)
            return GoalChange(goal=dataclasses.replace(goal, state=GoalState.CANCELLED,
                                                       state_reason=reason or "cancelled"),
                              tasks=cancelled)

        change = await self._change(tenant, goal_id, mutation)
        assert change.goal is not None
        return change.goal

    async def pause_goal(self, tenant: str, goal_id: str, reason: str = "") -> Goal:
        """Pause a goal that has not ended: none of its tasks starts until it is resumed.

        Raises:
            NotFound: No such goal.
            FailedPrecondition: The goal already ended (GOAL_ENDED).
        """
        def mutation(goal: Goal, current: Plan | None) -> GoalChange:
            if goal.state.ended:
                raise _ended(goal)
            if goal.state == GoalState.PAUSED:
                return GoalChange()
            return GoalChange(goal=dataclasses.replace(goal, state=GoalState.PAUSED,
                                                       state_reason=reason or "paused"))

        return await self._changed_goal(tenant, goal_id, mutation)

    async def resume_goal(self, tenant: str, goal_id: str) -> Goal:
        """Resume a paused goal: RUNNING (or PENDING when it has no plan yet), or ended at
        once when its tasks all ended meanwhile.

        Raises:
            NotFound: No such goal.
            FailedPrecondition: The goal is not paused (GOAL_NOT_PAUSED).
        """
        def mutation(goal: Goal, current: Plan | None) -> GoalChange:
            if goal.state != GoalState.PAUSED:
                raise FailedPrecondition(f"goal {goal_id!r} is not paused ({goal.state})",
                                         reason="GOAL_NOT_PAUSED",
                                         metadata={"state": goal.state.value})
            if current is None:
                return GoalChange(goal=dataclasses.replace(goal, state=GoalState.PENDING,
                                                           state_reason=""))
            state = lifecycle.derive_goal_state(GoalState.RUNNING, current.tasks)
            return GoalChange(goal=dataclasses.replace(goal, state=state, state_reason=""))

        return await self._changed_goal(tenant, goal_id, mutation)

    async def _changed_goal(self, tenant: str, goal_id: str, mutation: DecideGoalChange) -> Goal:
        change = await self._change(tenant, goal_id, mutation)
        return change.goal if change.goal is not None else await self._goals.get(tenant, goal_id)

    async def ready(self, tenant: str | None, limit: int, wait: float = 0.0
                    ) -> list[ReadyWork]:
        """Up to ``limit`` READY tasks of RUNNING goals (of one tenant, or of all when
        ``tenant`` is None), oldest first, with their goals' descriptions and upstream results.

        When there are none, waits up to ``wait`` seconds for a change of this replica that
        makes some ready, and returns them as that change wrote them (changes through other
        replicas show at the end of the wait).
        """
        deadline = asyncio.get_running_loop().time() + wait
        while True:
            # Waiting starts before the query: a change committing meanwhile is not missed.
            pushed = self._waiters.register(tenant)
            try:
                work = await self._plans.ready(tenant, limit)
                remaining = deadline - asyncio.get_running_loop().time()
                if work or remaining <= 0:
                    return work
                with contextlib.suppress(TimeoutError):
                    # Awaited directly, not through wait_for: the dispatcher then resumes
                    # before the caller whose change made the work ready is answered.
                    async with asyncio.timeout(remaining):
                        return (await pushed)[:limit]
            finally:
                self._waiters.forget(pushed)

    async def _change(self, tenant: str, goal_id: str, mutation: DecideGoalChange) -> GoalChange:
        """Apply ``mutation``, then hand the tasks it made ready to the waiters of
        :meth:`ready` and wake the goal's watchers."""
        changed = await self._plans.change(tenant, goal_id, mutation)
        if _may_make_ready(changed.change):
            self._waiters.offer(ready_after(changed.goal, changed.plan))
        for watcher in self._watchers.get((tenant, goal_id), ()):
            watcher.hand((changed.goal, changed.plan))
        return changed.change

    async def delete_goal(self, tenant: str, goal_id: str) -> None:
        """Delete a goal with its plans and tasks.

        Raises:
            NotFound: No such goal.
        """
        await self._plans.delete_goal(tenant, goal_id)

    async def watch(self, tenant: str, goal_id: str) -> AsyncIterator[GoalEvent]:
        """Yield the goal and its current tasks now, then an event for every change of a
        task (``task.<state>``) or of the goal (``goal.<state>``), until the goal ends.

        Raises:
            NotFound: No such goal.
        """
        watcher = _Watcher()
        watchers = self._watchers.setdefault((tenant, goal_id), set())
        watchers.add(watcher)
        try:
            async for event in self._watch(tenant, goal_id, watcher):
                yield event
        finally:
            watchers.discard(watcher)
            if not watchers:
                self._watchers.pop((tenant, goal_id), None)

    async def _watch(self, tenant: str, goal_id: str, watcher: _Watcher
                     ) -> AsyncIterator[GoalEvent]:
        """The events of :meth:`watch`: of the goal and plan a change through this replica
        hands ``watcher``, or as read again every watch interval (changes through others)."""
        seen_goal = ""
        seen_tasks: dict[tuple[str, str], Task] = {}
        handed: tuple[Goal, Plan | None] | None = None
        while True:
            if handed is None:
                goal, plan = await self._plans.goal_and_plan(tenant, goal_id)
            else:
                goal, plan = handed
            goal_event = None
            if goal.etag != seen_goal:
                seen_goal = goal.etag
                goal_event = GoalEvent(goal, f"goal.{goal.state.value.lower()}", goal.update_time)
            if goal_event is not None and not seen_tasks:
                yield goal_event  # the first event tells the goal as it is
                goal_event = None
            for task in plan.tasks if plan is not None else ():
                key = (plan.id if plan is not None else "", task.id)
                old = seen_tasks.get(key)
                if old != task:
                    seen_tasks[key] = task
                    kind = (task.state.value.lower() if old is None or old.state != task.state
                            else "updated")
                    yield GoalEvent(goal, f"task.{kind}", task.update_time, task)
            if goal_event is not None:
                yield goal_event
            if goal.state.ended:
                return
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(watcher.changed.wait(), self._watch_interval)
            handed = watcher.take()


@dataclasses.dataclass(frozen=True)
class _TaskCursor:
    """Position in a plan's dependency-ordered tasks, as an opaque page token."""

    plan_id: str
    offset: int

    def encode(self) -> str:
        raw = json.dumps({"p": self.plan_id, "o": self.offset}).encode()
        return base64.urlsafe_b64encode(raw).decode().rstrip("=")

    @classmethod
    def decode(cls, token: str, plan_id: str) -> int:
        """The offset of ``token``, which must be from a page of plan ``plan_id``.

        Raises:
            InvalidArgument: The token is not ours, or the goal was replanned since.
        """
        try:
            data = json.loads(base64.urlsafe_b64decode(token + "=" * (-len(token) % 4)))
            cursor = cls(str(data["p"]), int(data["o"]))
        except (binascii.Error, ValueError, KeyError, TypeError) as error:
            raise InvalidArgument.for_field("page_token", "not a valid page token") from error
        if cursor.plan_id != plan_id or cursor.offset < 0:
            raise InvalidArgument.for_field(
                "page_token", "the goal was replanned since this token; list again from the start")
        return cursor.offset


class _Watcher:
    """One watch of a goal: woken by each change through this replica, which hands over the
    goal and its current plan as it wrote them (no read after the commit)."""

    def __init__(self) -> None:
        self.changed = asyncio.Event()
        self._latest: tuple[Goal, Plan | None] | None = None

    def hand(self, after: tuple[Goal, Plan | None]) -> None:
        self._latest = after
        self.changed.set()

    def take(self) -> tuple[Goal, Plan | None] | None:
        """The latest state handed over since the last take (None: none was)."""
        self.changed.clear()
        latest, self._latest = self._latest, None
        return latest


def _may_make_ready(change: GoalChange) -> bool:
    """Whether ``change`` may have made tasks ready to dispatch: a task became READY (a new
    plan, a finished dependency, a task handed back) or the goal runs again as it was (a
    resume)."""
    tasks = change.tasks + (change.new_plan.tasks if change.new_plan is not None else ())
    if any(task.state == TaskState.READY for task in tasks):
        return True
    return not tasks and change.goal is not None and change.goal.state == GoalState.RUNNING
