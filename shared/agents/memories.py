"""What the agents remember of their work, and how a task's use of memory is recorded.

A task's result becomes an episodic memory in its goal's namespace (``goals.<goal id>``), with
the memories the task was given as context recorded in that memory's metadata
(:data:`CONTEXT_KEY`), which is where ``cognos run`` reads them. Plain Python: the CLI imports
it too.
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

GOAL_NAMESPACE_PREFIX = "goals."
# Metadata of a task's memory: the memories it used, ``<id>:<score>:<similarity>`` joined by
# commas (as many as fit a metadata value), how many it used in all, and the attempt.
CONTEXT_KEY = "context"
CONTEXT_COUNT_KEY = "context_count"
ATTEMPT_KEY = "attempt"
METADATA_VALUE_CHARS = 1024  # the contract's limit of a metadata value

_NAMESPACE_CHARS = re.compile(r"[^a-z0-9._-]")
_ID_CHARS = re.compile(r"[^a-z0-9-]")


@dataclass(frozen=True)
class MemoryUse:
    """A memory a task was given as context, and how well it matched the task."""

    name: str  # tenants/{tenant}/memories/{memory}
    score: float
    similarity: float


def goal_namespace(goal: str) -> str:
    """The id of the namespace of a goal's memories: ``tenants/t/goals/g1`` (or ``g1``) ->
    ``goals.g1``, in the characters and length a namespace id allows."""
    goal_id = _NAMESPACE_CHARS.sub("-", goal.rsplit("/", 1)[-1].lower())
    return (GOAL_NAMESPACE_PREFIX + goal_id)[:128]


def task_memory_id(task: str, attempt: int) -> str:
    """The id of the memory of ``attempt`` of ``task`` (a task's name): the same every time
    the attempt runs, so it is stored once; the task's id and attempt, readable, and a
    digest of the whole name, so tasks of different goals differ."""
    task_id = _ID_CHARS.sub("-", task.rsplit("/", 1)[-1].lower()).strip("-")[:40] or "task"
    digest = hashlib.sha256(f"{task}#attempt-{attempt}".encode()).hexdigest()[:12]
    return f"{task_id}-a{attempt}-{digest}"[:63]


def context_metadata(used: Sequence[MemoryUse]) -> dict[str, str]:
    """The metadata recording the memories a task used, best first; only as many as fit a
    metadata value are named, :data:`CONTEXT_COUNT_KEY` says how many there were."""
    entries: list[str] = []
    length = 0
    for use in used:
        entry = f"{use.name.rsplit('/', 1)[-1]}:{use.score:.3f}:{use.similarity:.3f}"
        length += len(entry) + (1 if entries else 0)
        if length > METADATA_VALUE_CHARS:
            break
        entries.append(entry)
    return {CONTEXT_KEY: ",".join(entries), CONTEXT_COUNT_KEY: str(len(used))}


@dataclass(frozen=True)
class ContextRecord:
    """The memories a task used, as the metadata of its memory records them."""

    used: tuple[MemoryUse, ...]  # best first
    left_out: int = 0  # used too, but not named (no room in the metadata value)

    @classmethod
    def of(cls, metadata: Mapping[str, str], tenant: str) -> ContextRecord:
        """The record :func:`context_metadata` wrote (entries that do not parse are left
        out)."""
        entries = [e for e in metadata.get(CONTEXT_KEY, "").split(",") if e]
        used: list[MemoryUse] = []
        for entry in entries:
            memory_id, _, scores = entry.partition(":")
            score, _, similarity = scores.partition(":")
            try:
                used.append(MemoryUse(f"tenants/{tenant}/memories/{memory_id}", float(score),
                                      float(similarity or 0)))
            except ValueError:
                continue
        try:
            count = int(metadata.get(CONTEXT_COUNT_KEY, "0"))
        except ValueError:
            count = 0
        return cls(tuple(used), max(0, count - len(entries)))
