"""``Reporter``: tells the task-planner what became of each assignment, durably.

Every state change of an assignment the planner must hear of clears its ``reported`` flag in
the same transaction as the change (an outbox): a task started (each attempt, retries
included), succeeded, was skipped, failed for good or was escalated. The reporter tells the
planner, with the number of the task's latest attempt, and sets the flag again, right after
the change on the fast path and in a periodic sweep for whatever a crash or an unreachable
planner left behind. Telling twice is harmless: a task moved to the state it has is a no-op.
"""

from __future__ import annotations

import asyncio
import logging
import weakref

from services.agent_orchestrator.core.models import Assignment, AssignmentState
from services.agent_orchestrator.core.ports import Alerts, RaisedAlert, TaskBoard
from services.agent_orchestrator.core.stores import ReportOutbox
from shared.errors import CognitionError, FailedPrecondition, NotFound

log = logging.getLogger(__name__)

_ENDS_REPORTED = (AssignmentState.SUCCEEDED, AssignmentState.FAILED, AssignmentState.SKIPPED)


class Reporter:
    """Reports assignments' states to the task-planner and raises escalation alerts.

    Args:
        store: The durable assignments.
        board: The task-planner.
        alerts: Where escalations notify operators.
    """

    def __init__(self, store: ReportOutbox, board: TaskBoard, alerts: Alerts) -> None:
        self._store = store
        self._board = board
        self._alerts = alerts
        # One report per assignment at a time; a lock lives while a report holds or awaits it.
        self._reporting: weakref.WeakValueDictionary[str, asyncio.Lock] = (
            weakref.WeakValueDictionary())

    async def report(self, assignment: Assignment, output: str | None = None) -> bool:
        """Tell the planner about ``assignment`` as it was given; False when the planner could
        not be reached (the sweep tries again). Reports of one assignment take turns; one of
        an older state than the planner knows is refused there and changes nothing.
        ``output`` is the succeeded execution's output when the caller has it at hand."""
        lock = self._reporting.setdefault(assignment.id, asyncio.Lock())
        async with lock:
            return await self._report(assignment, output)

    async def _report(self, assignment: Assignment, output: str | None) -> bool:
        try:
            await self._tell(assignment, output)
        except (FailedPrecondition, NotFound) as refused:
            # The goal ended or was deleted, or the task moved on: nothing left to tell.
            log.info("planner refused the report of %s (%s): %s", assignment.task,
                     assignment.state, refused.message)
        except CognitionError as error:
            log.warning("reporting %s postponed: %s", assignment.task, error.message)
            return False
        await self._store.mark_reported(assignment)
        return True

    async def sweep(self, limit: int = 100) -> int:
        """Report every assignment not reported yet (every tenant) whose report is not under
        way already; returns how many were told."""
        told = 0
        for assignment in await self._store.unreported(limit):
            if assignment.id in self._reporting:
                continue  # reported right now (e.g. just finished): no second call for it
            told += await self.report(assignment)
        return told

    async def _tell(self, assignment: Assignment, output: str | None) -> None:
        state, task, attempts = assignment.state, assignment.task, assignment.task_attempt
        if state.live:
            await self._board.started(task, attempts)
        elif state in _ENDS_REPORTED:
            try:
                await self._end(assignment, output)
            except FailedPrecondition as refused:
                if refused.metadata.get("from") != "READY":
                    raise
                # The start was never reported (a crash in between): report it first.
                await self._board.started(task, attempts)
                await self._end(assignment, output)
        elif state is AssignmentState.ESCALATED:
            await self._escalate(assignment)

    async def _end(self, assignment: Assignment, output: str | None) -> None:
        task, attempts = assignment.task, assignment.task_attempt
        if assignment.state is AssignmentState.SUCCEEDED:
            if output is None:
                output = await self._store.succeeded_output(assignment)
            await self._board.succeeded(task, attempts, output)
        elif assignment.state is AssignmentState.SKIPPED:
            await self._board.skipped(task, attempts)
        else:
            await self._board.failed(task, attempts)

    async def _escalate(self, assignment: Assignment) -> None:
        """Pause the goal first, so the task made READY again is not picked up at once."""
        error = await self._store.last_error(assignment)
        await self._board.pause_goal(assignment.goal,
                                     f"task {assignment.task} escalated: {error}")
        try:
            await self._board.returned(assignment.task, assignment.task_attempt)
        except FailedPrecondition as refused:
            if refused.metadata.get("from") != "READY":
                raise
        await self._alerts.raise_alert(RaisedAlert(
            tenant=assignment.tenant,
            summary=f"Task {assignment.task.rsplit('/', 1)[-1]} failed and needs an operator",
            description=(f"Agent {assignment.agent} failed task {assignment.task}: {error}. "
                         f"The goal is paused; resume it once the cause is dealt with."),
            labels={"goal": assignment.goal, "task": assignment.task,
                    "agent": f"tenants/{assignment.tenant}/agents/{assignment.agent}",
                    "reason": "TASK_ESCALATED"},
            request_id=f"escalation-{assignment.id}"))
