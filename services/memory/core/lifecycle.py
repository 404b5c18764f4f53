"""The lifecycle rules: what a policy forgets, archives, merges and summarises at an instant.

Pure functions of the memories' rows, a policy and ``now``: nothing here reads a clock or
writes anything, so a dry run and a real run at the same instant decide the same, and a
resumed job decides as its first run did.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import hashlib
from collections.abc import Sequence

import numpy as np

from services.memory.core.models import LifecyclePolicy, Memory, MemoryKind, MemoryState
from services.memory.core.vectors import unpack

DAY = dt.timedelta(days=1)
# Episodic memories summarised at most per namespace and job (the oldest first): what one
# completion can read. The next run summarises the rest.
MAX_SUMMARIZED = 100
# Fewer old memories than this are left as they are: a summary of one memory is no shorter.
MIN_SUMMARIZED = 2
# Rows of the similarity matrix computed at once (memory, not time, is what this bounds).
_BLOCK = 512
# Float32 cosines of equal vectors can fall a hair short of 1.
_TOLERANCE = 1e-6


def last_read(memory: Memory) -> dt.datetime:
    """When the memory was last read, or created if it never was."""
    return memory.access_time or memory.create_time


def effective_importance(memory: Memory, decay: float, now: dt.datetime) -> float:
    """The memory's importance decayed by ``decay`` per day since its last read (or
    creation): ``importance * (1 - decay) ** days``. Computed, never stored."""
    days = max((now - last_read(memory)) / DAY, 0.0)
    return float(memory.importance * (1.0 - decay) ** days)


def expires_at(memory: Memory, policy: LifecyclePolicy) -> dt.datetime | None:
    """When the memory is forgotten: its own expire_time, else its creation plus the
    policy's ttl; None when neither says."""
    if memory.expire_time is not None:
        return memory.expire_time
    return memory.create_time + policy.ttl if policy.ttl else None


def forgettable(memories: Sequence[Memory], policy: LifecyclePolicy,
                now: dt.datetime) -> list[Memory]:
    """The memories garbage collection forgets at ``now``: the expired, those whose decayed
    importance fell below ``min_importance``, then, beyond ``max_memories``, the least
    important (then oldest) of the rest. Expired and faded ones come first, oldest first."""
    def worth(memory: Memory) -> float:
        return effective_importance(memory, policy.decay, now)

    doomed: list[Memory] = []
    kept: list[Memory] = []
    for memory in sorted(memories, key=_oldest_first):
        expiry = expires_at(memory, policy)
        faded = policy.min_importance > 0 and worth(memory) < policy.min_importance
        (doomed if faded or (expiry is not None and expiry <= now) else kept).append(memory)
    if policy.max_memories and len(kept) > policy.max_memories:
        ranked = sorted(kept, key=lambda m: (worth(m), m.create_time, m.id))
        doomed.extend(ranked[:len(kept) - policy.max_memories])
    return doomed


def stale(memories: Sequence[Memory], policy: LifecyclePolicy,
          now: dt.datetime) -> list[Memory]:
    """The active memories nobody read (nor created) for the policy's archive_after, oldest
    first."""
    if policy.archive_after is None:
        return []
    cutoff = now - policy.archive_after
    return [m for m in sorted(memories, key=_oldest_first)
            if m.state is MemoryState.ACTIVE and last_read(m) <= cutoff]


@dataclasses.dataclass(frozen=True)
class Merge:
    """A memory that takes others in, and the memories it takes."""

    keeper: Memory
    merged: tuple[Memory, ...]


def mergeable(memory: Memory) -> bool:
    """Whether compression may merge or summarise the memory: active, with a vector, and
    not one that was merged before and restored (its restore is the user's word)."""
    return (memory.state is MemoryState.ACTIVE and bool(memory.vector)
            and not memory.merged_into)


def near_duplicates(memories: Sequence[Memory], similarity: float) -> list[Merge]:
    """Groups of memories whose vectors' cosine is at least ``similarity`` (> 0), each
    merged into its most important (then newest) member.

    Memories are taken in that order; each takes in every later one close enough to it not
    yet taken, so the groups do not depend on the order of ``memories``. Only vectors of the
    same model and dimension are compared.
    """
    if similarity <= 0:
        return []
    candidates = sorted((m for m in memories if mergeable(m)), key=_keeper_first)
    by_model: dict[tuple[str, int], list[Memory]] = {}
    for memory in candidates:
        by_model.setdefault((memory.embedding_model, len(memory.vector)), []).append(memory)
    merges: list[Merge] = []
    for group in by_model.values():
        merges.extend(_merges_in(group, similarity))
    return sorted(merges, key=lambda m: _keeper_first(m.keeper))


def _merges_in(group: list[Memory], similarity: float) -> list[Merge]:
    if len(group) < 2:
        return []
    raw = np.stack([unpack(m.vector) for m in group]).astype(np.float32)
    norms = np.linalg.norm(raw, axis=1, keepdims=True)
    vectors = (raw / np.where(norms > 0, norms, 1.0)).astype(np.float32)
    taken = np.zeros(len(group), dtype=bool)
    merges: list[Merge] = []
    for start in range(0, len(group), _BLOCK):
        block = vectors[start:start + _BLOCK] @ vectors.T
        for offset, row in enumerate(block):
            i = start + offset
            if taken[i]:
                continue
            close = np.nonzero(row >= similarity - _TOLERANCE)[0]
            others = [j for j in close if j > i and not taken[j]]
            if others:
                taken[others] = True
                merges.append(Merge(group[i], tuple(group[j] for j in others)))
    return merges


def to_summarize(memories: Sequence[Memory], policy: LifecyclePolicy, now: dt.datetime,
                 merged: frozenset[str] = frozenset()) -> list[Memory]:
    """The episodic memories older than the policy's summarize_after that one summary
    takes in (the oldest MAX_SUMMARIZED, when at least MIN_SUMMARIZED), leaving out
    ``merged`` (ids the same job merges into others)."""
    if policy.summarize_after is None:
        return []
    cutoff = now - policy.summarize_after
    old = [m for m in sorted(memories, key=_oldest_first)
           if mergeable(m) and m.kind is MemoryKind.EPISODIC and m.create_time <= cutoff
           and m.id not in merged][:MAX_SUMMARIZED]
    return old if len(old) >= MIN_SUMMARIZED else []


def summary_id(job_id: str, namespace: str) -> str:
    """The id of the summary a job makes in a namespace: the same on every run of the job,
    so a resumed job finds the summary it made rather than making another."""
    return "summary-" + hashlib.sha256(f"{job_id}/{namespace}".encode()).hexdigest()[:32]


def _oldest_first(memory: Memory) -> tuple[dt.datetime, str]:
    return memory.create_time, memory.id


def _keeper_first(memory: Memory) -> tuple[float, float, str]:
    return -memory.importance, -memory.create_time.timestamp(), memory.id
