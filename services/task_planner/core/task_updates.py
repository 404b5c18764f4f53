"""One update of a task (its state, result and/or attempts), applied to a plan's tasks."""

from __future__ import annotations

import dataclasses
import datetime as dt
from collections.abc import Sequence

from services.task_planner.core import lifecycle
from services.task_planner.core.models import Task, TaskState
from shared.errors import FailedPrecondition, NotFound


@dataclasses.dataclass(frozen=True)
class TaskUpdate:
    """Move task ``task_id`` to ``state``, set its ``result`` and/or the number of
    ``attempts`` made at it (None: unchanged)."""

    task_id: str
    state: TaskState | None = None
    result: str | None = None
    attempts: int | None = None


def apply_update(tasks: Sequence[Task], goal_id: str, update: TaskUpdate,
                 now: dt.datetime) -> list[Task]:
    """``tasks`` with ``update`` applied to its task.

    Raises:
        NotFound: The plan has no such task (TASK_NOT_FOUND).
        FailedPrecondition: The transition is not allowed, or the result or attempts of an
            ended task would change (TASK_ENDED).
    """
    task = next((t for t in tasks if t.id == update.task_id), None)
    if task is None:
        raise NotFound(f"task {update.task_id!r} of goal {goal_id!r} not found",
                       reason="TASK_NOT_FOUND", metadata={"id": update.task_id})
    updated = task
    if update.state is not None:
        updated = lifecycle.transition(updated, update.state, now)
    if update.result is not None and update.result != task.result:
        if task.state.ended:
            raise FailedPrecondition(f"task {task.id!r} already ended ({task.state})",
                                     reason="TASK_ENDED")
        updated = dataclasses.replace(updated, result=update.result, update_time=now)
    if update.attempts is not None:
        attempts = lifecycle.attempts_made(task, update.attempts)
        if attempts != updated.attempts:
            if task.state.ended:
                raise FailedPrecondition(f"task {task.id!r} already ended ({task.state})",
                                         reason="TASK_ENDED")
            updated = dataclasses.replace(updated, attempts=attempts, update_time=now)
    return [updated if t.id == task.id else t for t in tasks]
