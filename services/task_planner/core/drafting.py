"""``GoalPlanning``: turns submitted goals into plans, in the background and durably.

A goal is created PENDING, and goes back to PENDING when a critical task of its plan failed
for good and it may be replanned. The planning loop claims pending goals (PENDING -> PLANNING, a
conditional update, so replicas never draft the same goal twice), asks the planner agent for a
draft through the AI runtime (for a replan, telling it what failed), and stores it through
:class:`PlanService` as the first plan or the next revision (validation included). While it
drafts, it renews its claims; a draft whose goal another replica claimed meanwhile (this one
could not renew in time) is abandoned. A draft that fails validation fails the goal; an
unreachable runtime puts the goal back to PENDING for the next round. Nothing lives only in
memory: a restart resumes pending goals and those its previous process was drafting.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Collection
from typing import Protocol

from services.task_planner.core.models import Goal, PlanDraft, TaskState
from services.task_planner.core.plans import PlanService
from shared.errors import CognitionError, DeadlineExceeded, InvalidArgument, Unavailable

log = logging.getLogger(__name__)


class PlanDrafter(Protocol):
    """The planner agent: a draft plan for a goal; ``failure`` says why the previous plan
    failed when the goal is replanned."""

    async def draft(self, goal: Goal, failure: str = "") -> PlanDraft: ...


class GoalQueue(Protocol):
    """Goals waiting for a plan."""

    async def claim_pending(self, limit: int) -> list[Goal]: ...

    async def release(self, goal: Goal) -> None: ...

    async def fail(self, goal: Goal, reason: str) -> None: ...

    async def renew(self, claimed: Collection[tuple[str, str]]) -> set[tuple[str, str]]: ...


def failure_reason(error: CognitionError) -> str:
    """Why planning failed, for the goal's state_reason: the refusal and what it names."""
    if isinstance(error, InvalidArgument) and error.violations:
        named = "; ".join(f"{v.field}: {v.description}" for v in error.violations)
        return f"the planner's draft is invalid: {named}"[:2000]
    return f"planning failed ({error.reason}): {error.message}"[:2000]


class GoalPlanning:
    """Drafts, validates and stores plans for pending goals.

    Args:
        queue: Pending goals.
        plans: Stores (and validates) plans.
        drafter: The planner agent.
        renew_every: Seconds between renewals of the claims of the goals being drafted (a
            fraction of the queue's lease).
    """

    def __init__(self, queue: GoalQueue, plans: PlanService, drafter: PlanDrafter,
                 renew_every: float = 10.0) -> None:
        self._queue = queue
        self._plans = plans
        self._drafter = drafter
        self._renew_every = renew_every
        self._wake = asyncio.Event()
        self._drafting: dict[tuple[str, str], asyncio.Future[PlanDraft]] = {}

    async def plan_pending(self, limit: int = 10) -> int:
        """One round: plan up to ``limit`` pending goals concurrently, renewing their claims
        meanwhile; returns how many were settled (planned or failed), not counting those put
        back because the runtime could not be reached."""
        goals = await self._queue.claim_pending(limit)
        if not goals:
            return 0
        renewing = asyncio.ensure_future(
            self._renew_claims([(goal.tenant, goal.id) for goal in goals]))
        try:
            settled = await asyncio.gather(*(self._plan(goal) for goal in goals))
        finally:
            renewing.cancel()
        return sum(settled)

    async def _plan(self, goal: Goal) -> bool:
        """Plan ``goal``; whether it was settled (False: put back for a later round)."""
        try:
            failure = await self._failure(goal) if goal.plan else ""
            draft = await self._draft(goal, failure)
            if draft is None:
                log.warning("planning %s/%s abandoned: another replica claimed the goal",
                            goal.tenant, goal.id)
            elif goal.plan:
                await self._plans.replan(goal.tenant, goal.id, failure, draft)
            else:
                await self._plans.create(goal.tenant, goal.id, draft)
        except (Unavailable, DeadlineExceeded) as error:
            log.warning("planning %s/%s postponed: %s", goal.tenant, goal.id, error.message)
            await self._queue.release(goal)
            return False
        except CognitionError as error:
            log.warning("goal %s/%s failed planning: %s", goal.tenant, goal.id, error.message)
            await self._queue.fail(goal, failure_reason(error))
        return True

    def wake(self) -> None:
        """Plan now: a goal was just submitted (through this replica)."""
        self._wake.set()

    async def run(self, stop: asyncio.Event, interval: float) -> None:
        """Plan pending goals until ``stop`` is set, every ``interval`` seconds or when woken;
        at once again after a round that settled goals, but not after one that could only put
        them back (the runtime unreachable): that would spin."""
        while not stop.is_set():
            self._wake.clear()
            try:
                planned = await self.plan_pending()
            except Exception:
                log.exception("planning round failed")
                planned = 0
            if not planned:
                woken = asyncio.ensure_future(self._wake.wait())
                stopped = asyncio.ensure_future(stop.wait())
                await asyncio.wait({woken, stopped}, timeout=interval,
                                   return_when=asyncio.FIRST_COMPLETED)
                for waiter in (woken, stopped):
                    waiter.cancel()

    async def _draft(self, goal: Goal, failure: str) -> PlanDraft | None:
        """The planner agent's draft, or None when the goal's claim was taken meanwhile."""
        key = (goal.tenant, goal.id)
        drafting = asyncio.ensure_future(self._drafter.draft(goal, failure))
        self._drafting[key] = drafting
        try:
            return await drafting
        except asyncio.CancelledError:
            current = asyncio.current_task()
            if current is not None and current.cancelling():
                raise  # the loop itself is stopping
            return None  # cancelled by _renew_claims
        finally:
            del self._drafting[key]

    async def _renew_claims(self, claimed: list[tuple[str, str]]) -> None:
        """Renew the claims of the goals of a round every ``renew_every`` seconds, and
        abandon the drafts of those another replica claimed since."""
        while True:
            await asyncio.sleep(self._renew_every)
            try:
                taken = await self._queue.renew(claimed)
            except Exception:
                log.exception("renewing planning claims failed")
                continue
            for key in taken:
                drafting = self._drafting.get(key)
                if drafting is not None:
                    drafting.cancel()

    async def _failure(self, goal: Goal) -> str:
        """Why the current plan of a goal being replanned failed: its critical tasks that
        failed for good (finished work is carried over to the next plan)."""
        current = await self._plans.current(goal.tenant, goal.id)
        failed = [t for t in current.tasks if t.state == TaskState.FAILED and t.critical]
        return (f"revision {current.revision} failed: task "
                + ", ".join(f"{t.id} ({t.title})" for t in failed) + " failed for good")
