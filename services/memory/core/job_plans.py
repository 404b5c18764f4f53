"""A lifecycle job's plan: the steps it takes in one namespace, decided at its instant by the
rules of :mod:`services.memory.core.lifecycle`; its checkpoint; and its report of the steps
done. Pure: no clock, no storage."""

from __future__ import annotations

import dataclasses
import datetime as dt
import enum
from collections.abc import Sequence
from typing import Any

from services.memory.core.lifecycle import (
    expires_at,
    forgettable,
    near_duplicates,
    stale,
    summary_id,
    to_summarize,
)
from services.memory.core.models import (
    JobReport,
    LifecyclePolicy,
    Memory,
    MemoryJobKind,
    MemoryMerge,
)


class Op(enum.StrEnum):
    """What one step of a job does to one memory."""

    DELETE = "delete"
    ARCHIVE = "archive"  # into ``into`` when it is merged
    LINK = "link"  # the memory takes ``merged`` in
    SUMMARIZE = "summarize"  # the memory is made from ``merged``
    REEMBED = "reembed"


@dataclasses.dataclass(frozen=True)
class Step:
    """One step of a job's plan."""

    op: Op
    memory: str
    into: str = ""
    merged: tuple[str, ...] = ()

    def stored(self) -> list[Any]:
        return [self.op.value, self.memory, self.into, list(self.merged)]

    @classmethod
    def of(cls, stored: Sequence[Any]) -> Step:
        op, memory, into, merged = stored
        return cls(Op(op), str(memory), str(into), tuple(str(m) for m in merged))


@dataclasses.dataclass(frozen=True)
class Checkpoint:
    """Where a job is: its namespaces (fixed when it starts), how many are finished, the
    plan of the next one once decided and how many of its steps are applied."""

    namespaces: tuple[str, ...] | None = None
    finished: int = 0
    plan: tuple[Step, ...] | None = None
    done: int = 0

    def stored(self) -> dict[str, Any]:
        return {"namespaces": None if self.namespaces is None else list(self.namespaces),
                "finished": self.finished, "done": self.done,
                "plan": None if self.plan is None else [s.stored() for s in self.plan]}

    @classmethod
    def of(cls, stored: dict[str, Any]) -> Checkpoint:
        namespaces, plan = stored.get("namespaces"), stored.get("plan")
        return cls(namespaces=None if namespaces is None else tuple(namespaces),
                   finished=int(stored.get("finished", 0)),
                   plan=None if plan is None else tuple(Step.of(s) for s in plan),
                   done=int(stored.get("done", 0)))



def reported(report: JobReport, steps: Sequence[Step]) -> JobReport:
    """``report`` with ``steps`` done."""
    deleted, archived = list(report.deleted), list(report.archived)
    created, merges = list(report.created), list(report.merges)
    reembedded = report.reembedded
    for step in steps:
        if step.op is Op.DELETE:
            deleted.append(step.memory)
        elif step.op is Op.ARCHIVE:
            archived.append(step.memory)
        elif step.op is Op.REEMBED:
            reembedded += 1
        else:
            if step.op is Op.SUMMARIZE:
                created.append(step.memory)
            merges.append(MemoryMerge(step.memory, step.merged))
    return dataclasses.replace(report, deleted=tuple(deleted), archived=tuple(archived),
                               created=tuple(created), merges=tuple(merges),
                               reembedded=reembedded)




def plan(kind: MemoryJobKind, memories: Sequence[Memory], policy: LifecyclePolicy,
         now: dt.datetime, *, job_id: str, namespace: str, model: str) -> tuple[Step, ...]:
    """The steps a job of ``kind`` (id ``job_id``) takes in ``namespace``, whose memories
    (not deleted) are ``memories``, under ``policy`` at ``now``; REEMBED takes every memory
    whose vector is not ``model``'s.

    COMPRESS first merges near-duplicates (each merged memory archived into its keeper, then
    the keeper linked to them), then summarises the old episodic memories left (the summary
    made, then each original archived into it).
    """
    if kind is MemoryJobKind.REEMBED:
        return tuple(Step(Op.REEMBED, m.id) for m in memories if m.embedding_model != model)
    if kind is MemoryJobKind.GC:
        return tuple(Step(Op.DELETE, m.id) for m in forgettable(memories, policy, now))
    alive = [m for m in memories if (expiry := expires_at(m, policy)) is None or expiry > now]
    if kind is MemoryJobKind.ARCHIVE_STALE:
        return tuple(Step(Op.ARCHIVE, m.id) for m in stale(alive, policy, now))
    steps: list[Step] = []
    merges = near_duplicates(alive, policy.merge_similarity)
    for merge in merges:
        steps += [Step(Op.ARCHIVE, m.id, into=merge.keeper.id) for m in merge.merged]
        steps.append(Step(Op.LINK, merge.keeper.id, merged=tuple(m.id for m in merge.merged)))
    taken = frozenset(m.id for merge in merges for m in merge.merged)
    originals = to_summarize(alive, policy, now, taken)
    if originals:
        summary = summary_id(job_id, namespace)
        steps.append(Step(Op.SUMMARIZE, summary, merged=tuple(m.id for m in originals)))
        steps += [Step(Op.ARCHIVE, m.id, into=summary) for m in originals]
    return tuple(steps)
