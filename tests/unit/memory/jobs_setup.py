"""The lifecycle jobs on the memory tests' domain (``parts``), with a recording summarizer and
rows that fail (or the process dies) after a number of writes."""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence

from services.memory.core.jobs import MemoryJobs
from services.memory.core.models import LifecyclePolicy, Memory, MemoryJob, MemoryJobKind
from services.memory.core.policies import LifecyclePolicies
from services.memory.repository import MemoryRepository, job_repository, policy_repository
from shared.database import utc_now
from tests.unit.memory.conftest import WORDS_MODEL, Memories


class Killed(BaseException):
    """The process dies: nothing the job catches, so its row stays RUNNING."""


class RecordingSummarizer:
    """Summarises by joining the first word of every text; remembers each call."""

    def __init__(self, fail_first: int = 0) -> None:
        self.calls: list[list[str]] = []
        self._fail_first = fail_first

    async def summarize(self, tenant: str, texts: Sequence[str]) -> str:
        self.calls.append(list(texts))
        if len(self.calls) <= self._fail_first:
            raise ConnectionError("the AI runtime went away")
        return "Summary: " + "; ".join(texts)


class FlakyRows:
    """The memories' rows, whose ``update`` raises ``error`` once it has written
    ``writes`` rows."""

    def __init__(self, rows: MemoryRepository, writes: int,
                 error: BaseException | None = None) -> None:
        self._rows = rows
        self._left = writes
        self._error = error or ConnectionError("the database went away")
        self.updates = 0

    async def get(self, tenant: str, id_: str) -> Memory:
        return await self._rows.get(tenant, id_)

    async def get_many(self, tenant: str, ids: Sequence[str]) -> list[Memory]:
        return await self._rows.get_many(tenant, ids)

    async def in_namespace(self, tenant: str, namespace: str) -> list[Memory]:
        return await self._rows.in_namespace(tenant, namespace)

    async def update(self, entity: Memory, expected_etag: str = "") -> Memory:
        if self._left <= 0:
            raise self._error
        self._left -= 1
        self.updates += 1
        return await self._rows.update(entity, expected_etag)


def jobs_of(parts: Memories, *, rows: object = None, summarizer: object = None,
            batch: int = 100) -> MemoryJobs:
    """The jobs over ``parts`` (its rows and a recording summarizer unless given)."""
    return MemoryJobs(job_repository(parts.db), rows or parts.rows,  # type: ignore[arg-type]
                      parts.namespace_rows, policy_repository(parts.db), parts.memories,
                      parts.embedder, summarizer or RecordingSummarizer(),  # type: ignore[arg-type]
                      parts.sync, parts.index, WORDS_MODEL, batch=batch)


def policies_of(parts: Memories) -> LifecyclePolicies:
    return LifecyclePolicies(policy_repository(parts.db))


async def governed(parts: Memories, namespace: str, tenant: str = "acme",
                   **rules: object) -> LifecyclePolicy:
    """A namespace governed by a new policy of ``rules``."""
    policy = await policies_of(parts).create(LifecyclePolicy(
        tenant=tenant, id=f"p-{namespace.replace('.', '-')}", **rules))  # type: ignore[arg-type]
    await parts.namespace(namespace, tenant=tenant,
                          lifecycle_policy=f"tenants/{tenant}/lifecyclePolicies/{policy.id}")
    return policy


async def remember(parts: Memories, memory_id: str, content: str, *,
                   namespace: str = "ns", age: dt.timedelta = dt.timedelta(0),
                   **fields: object) -> Memory:
    """A memory created ``age`` ago."""
    return await parts.memories.create(Memory(
        tenant="acme", id=memory_id, namespace=namespace, content=content,
        create_time=utc_now() - age, **fields))  # type: ignore[arg-type]


def job(kind: MemoryJobKind, job_id: str = "j1", namespace: str = "",
        dry_run: bool = False) -> MemoryJob:
    return MemoryJob(tenant="acme", id=job_id, kind=kind, namespace=namespace,
                     dry_run=dry_run)


def names_of(memories: Sequence[Memory]) -> list[str]:
    return [m.id for m in memories]
