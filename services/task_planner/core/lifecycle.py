"""The rules of task and goal states, as pure functions over domain models.

Task transitions (anything else is FAILED_PRECONDITION)::

    BLOCKED  -> READY (automatic, when every dependency SUCCEEDED or SKIPPED)
    READY    -> RUNNING                         (a start: attempts + 1, start_time set)
    RUNNING  -> SUCCEEDED | FAILED | READY      (READY = retry after a transient failure)
    FAILED   -> SKIPPED                         (non-critical tasks only)
    BLOCKED | READY | RUNNING -> SKIPPED        (non-critical tasks only)
    BLOCKED | READY | RUNNING -> CANCELLED

The goal follows its tasks: a critical task FAILED for good fails it; once every task is
SUCCEEDED or SKIPPED (or FAILED but not critical, with nothing waiting on it) it succeeded.

A task's ``attempts`` are the orchestrator's: every update it makes names the number of its
latest execution of the task (:func:`attempts_made`), retries the planner does not see as
starts included. A start by a caller that names none counts one.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
from collections.abc import Sequence

from services.task_planner.core.models import GoalState, Task, TaskState
from services.task_planner.core.validation import ready_tasks
from shared.errors import FailedPrecondition

_S = TaskState
ALLOWED_TRANSITIONS: dict[TaskState, frozenset[TaskState]] = {
    _S.BLOCKED: frozenset({_S.SKIPPED, _S.CANCELLED}),
    _S.READY: frozenset({_S.RUNNING, _S.SKIPPED, _S.CANCELLED}),
    _S.RUNNING: frozenset({_S.SUCCEEDED, _S.FAILED, _S.READY, _S.SKIPPED, _S.CANCELLED}),
    _S.FAILED: frozenset({_S.SKIPPED}),
    _S.SUCCEEDED: frozenset(),
    _S.SKIPPED: frozenset(),
    _S.CANCELLED: frozenset(),
}


def initial_states(tasks: Sequence[Task], now: dt.datetime) -> tuple[Task, ...]:
    """New tasks: READY without dependencies, else BLOCKED; nothing run yet."""
    return tuple(
        dataclasses.replace(t, state=TaskState.READY if not t.depends_on else TaskState.BLOCKED,
                            result="", attempts=0, start_time=None, end_time=None,
                            create_time=now, update_time=now)
        for t in tasks)


def transition(task: Task, state: TaskState, now: dt.datetime) -> Task:
    """``task`` moved to ``state``.

    Raises:
        FailedPrecondition: The transition is not allowed (TASK_TRANSITION_NOT_ALLOWED), or
            a critical task would be skipped (TASK_CRITICAL).
    """
    if state == task.state:
        return task
    if state not in ALLOWED_TRANSITIONS[task.state]:
        raise FailedPrecondition(
            f"task {task.id!r} cannot go from {task.state} to {state}",
            reason="TASK_TRANSITION_NOT_ALLOWED",
            metadata={"task": task.id, "from": task.state.value, "to": state.value})
    if state == TaskState.SKIPPED and task.critical:
        raise FailedPrecondition(f"task {task.id!r} is critical and cannot be skipped",
                                 reason="TASK_CRITICAL", metadata={"task": task.id})
    changes: dict[str, object] = {"state": state, "update_time": now}
    if state == TaskState.RUNNING:
        changes.update(attempts=task.attempts + 1, start_time=now, end_time=None)
    elif state.ended:
        changes["end_time"] = now
    return dataclasses.replace(task, **changes)  # type: ignore[arg-type]


def attempts_made(task: Task, reported: int) -> int:
    """The attempts of ``task`` once a caller reported ``reported`` of them: the caller's
    count, never fewer than already known (reports may arrive out of order)."""
    return max(task.attempts, reported)


def promote_ready(tasks: Sequence[Task], now: dt.datetime) -> tuple[Task, ...]:
    """``tasks`` with every BLOCKED task whose dependencies are all done made READY."""
    ready = {t.id for t in ready_tasks(tasks) if t.state == TaskState.BLOCKED}
    return tuple(dataclasses.replace(t, state=TaskState.READY, update_time=now)
                 if t.id in ready else t for t in tasks)


def derive_goal_state(current: GoalState, tasks: Sequence[Task]) -> GoalState:
    """The goal's state given its current plan's tasks.

    A goal that ended, or has no tasks, keeps its state; a PAUSED goal stays paused until it
    reaches an end.
    """
    if current.ended or not tasks:
        return current
    if any(t.state == TaskState.FAILED and t.critical for t in tasks):
        return GoalState.FAILED
    if all(t.state.satisfies_dependents or (t.state == TaskState.FAILED and not t.critical)
           for t in tasks):
        return GoalState.SUCCEEDED
    return current if current == GoalState.PAUSED else GoalState.RUNNING


def carry_over(previous: Sequence[Task], drafted: Sequence[Task]) -> tuple[Task, ...]:
    """``drafted`` tasks (already in their initial states) with the run of each task of the
    same id that SUCCEEDED in ``previous`` kept: its state, result, attempts and times."""
    done = {t.id: t for t in previous if t.state == TaskState.SUCCEEDED}
    kept = []
    for task in drafted:
        old = done.get(task.id)
        if old is not None:
            task = dataclasses.replace(task, state=old.state, result=old.result,
                                       attempts=old.attempts, start_time=old.start_time,
                                       end_time=old.end_time)
        kept.append(task)
    return tuple(kept)
