"""``MemoryJobs``: the lifecycle jobs (GC, compress, archive-stale, re-embed), each run to its
end, idempotent and resumable.

A job works through its namespaces in id order. For each it first decides a plan, the steps
the lifecycle rules ask for at the job's instant (``as_of``, see
:mod:`services.memory.core.job_plans`), and stores it in its checkpoint; then it applies the
steps in batches, storing after each batch the report so far and how many steps are done, in
one write. Every step is idempotent: it reads the memory's row first, and a step whose effect
is there already (the memory deleted, archived into the same memory, the summary made)
writes nothing yet counts, since a crash may fall between a step and the checkpoint that
records it. So a job run again after a failure or a crash repeats at most one batch's steps,
each a no-op, and reports every step once; a dry run reports the plans without applying them.
"""

from __future__ import annotations

import contextlib
import dataclasses
import datetime as dt
import logging
from collections.abc import Sequence
from typing import Any, Protocol

from services.memory.core.access import Grant, caller, granted, require
from services.memory.core.index_sync import IndexSync
from services.memory.core.job_plans import Checkpoint, Op, Step, plan, reported
from services.memory.core.models import (
    JobReport,
    LifecyclePolicy,
    Memory,
    MemoryJob,
    MemoryJobKind,
    MemoryJobState,
    MemoryKind,
    MemoryState,
    Namespace,
)
from services.memory.core.policies import PolicyLookup
from services.memory.core.ports import Embedder, VectorIndex
from services.memory.core.vectors import pack
from shared.errors import (
    Aborted,
    AlreadyExists,
    CognitionError,
    InvalidArgument,
    NotFound,
    Unavailable,
)
from shared.resources.entity import utc_now
from shared.resources.standard import Readable
from shared.resources.store import ReadStore

log = logging.getLogger(__name__)

# Steps applied between two checkpoints: what a resumed job may repeat (as no-ops).
BATCH = 100
# Tries of a step whose memory changed under it (its etag), each on the row read again.
_ATTEMPTS = 3
# The most content a memory holds (the contract's limit); a longer summary is cut.
MAX_CONTENT = 65536
MAX_TAGS = 16


class Summarizer(Protocol):
    """Condenses texts into one (the AI runtime's Complete, role ``summarizer``)."""

    async def summarize(self, tenant: str, texts: Sequence[str]) -> str: ...


class JobStore(ReadStore[MemoryJob], Protocol):
    """The jobs' rows."""

    async def create(self, entity: MemoryJob) -> MemoryJob: ...
    async def update(self, entity: MemoryJob, expected_etag: str = "") -> MemoryJob: ...


class LifecycleRows(Protocol):
    """The memories' rows, as the jobs read and write them."""

    async def get(self, tenant: str, id_: str) -> Memory: ...
    async def get_many(self, tenant: str, ids: Sequence[str]) -> list[Memory]: ...
    async def update(self, entity: Memory, expected_etag: str = "") -> Memory: ...
    async def in_namespace(self, tenant: str, namespace: str) -> list[Memory]: ...


class JobNamespaces(Protocol):
    """The namespaces jobs work on."""

    async def get(self, tenant: str, id_: str) -> Namespace: ...
    async def all_of(self, tenant: str) -> list[Namespace]: ...


class NewMemories(Protocol):
    """Stores and indexes a new memory (``MemoryService.create``)."""

    async def create(self, memory: Memory) -> Memory: ...


class JobTaken(Exception):
    """Another run of the same job wrote it first: that run carries on."""


class MemoryJobs(Readable[MemoryJob]):
    """Runs lifecycle jobs, and gets and lists them (newest first).

    Args:
        jobs: The jobs' rows.
        rows: The memories' rows.
        namespaces: The namespaces.
        policies: The lifecycle policies.
        memories: Creates memories as CreateMemory does (the summaries).
        embedder: Embeds again (REEMBED).
        summarizer: Summarises old episodic memories (COMPRESS).
        sync: Applies written rows to the vector index.
        index: The vector index (old vectors of re-embedded memories are removed from it).
        embedding_model: The service's embedding model: REEMBED embeds every memory whose
            vector is another model's.
        batch: Steps applied between two checkpoints.
    """

    def __init__(self, jobs: JobStore, rows: LifecycleRows, namespaces: JobNamespaces,
                 policies: PolicyLookup, memories: NewMemories, embedder: Embedder,
                 summarizer: Summarizer, sync: IndexSync, index: VectorIndex,
                 embedding_model: str, batch: int = BATCH) -> None:
        super().__init__(jobs)
        self._jobs = jobs
        self._rows = rows
        self._namespaces = namespaces
        self._policies = policies
        self._memories = memories
        self._embedder = embedder
        self._summarizer = summarizer
        self._sync = sync
        self._index = index
        self._model = embedding_model
        self._batch = batch

    async def run(self, job: MemoryJob, now: dt.datetime | None = None) -> MemoryJob:
        """Run ``job`` (tenant, id, kind, namespace, dry_run, scheduled) to its end, judging
        memories at ``now`` (default: the current time); or, when a job of that id exists,
        return it if it succeeded and resume it otherwise, at the instant it started.

        Returns:
            The job, SUCCEEDED, or FAILED with its error (running it again tries again).

        Raises:
            InvalidArgument: ``memory_job.namespace`` names no namespace of the tenant.
            PermissionDenied: The caller may not write that namespace.
            AlreadyExists: The id is another job's (another kind, namespace or dry_run).
        """
        stored = await self._find(job)
        if stored is not None and stored.state is MemoryJobState.SUCCEEDED:
            return stored
        await self._check_namespace(job)
        if stored is None:
            try:
                stored = await self._jobs.create(dataclasses.replace(
                    job, state=MemoryJobState.RUNNING, report=JobReport(), error="",
                    end_time=None, as_of=now or utc_now(), checkpoint={}))
            except AlreadyExists:  # a concurrent first run of the same job
                stored = await self._find(job)
                assert stored is not None
        run = _Run(self._jobs, stored)
        try:
            await run.start()
            return await self._work(run)
        except JobTaken:
            return await self._jobs.get(job.tenant, job.id)
        except Exception as error:
            log.warning("memory job %s of tenant %s failed", job.id, job.tenant, exc_info=True)
            try:
                return await run.fail(error)
            except JobTaken:
                return await self._jobs.get(job.tenant, job.id)

    async def _find(self, job: MemoryJob) -> MemoryJob | None:
        try:
            stored = await self._jobs.get(job.tenant, job.id)
        except NotFound:
            return None
        if (stored.kind, stored.namespace, stored.dry_run) != (job.kind, job.namespace,
                                                                job.dry_run):
            raise AlreadyExists(
                f"memory job {job.id!r} is another job ({stored.kind}, namespace "
                f"{stored.namespace!r}, dry_run {stored.dry_run})",
                reason="MEMORY_JOB_ALREADY_EXISTS", metadata={"id": job.id})
        return stored

    async def _check_namespace(self, job: MemoryJob) -> None:
        if not job.namespace:
            return
        try:
            namespace = await self._namespaces.get(job.tenant, job.namespace)
        except NotFound:
            raise InvalidArgument.for_field(
                "memory_job.namespace", f"no namespace {job.namespace!r}",
                reason="NAMESPACE_NOT_FOUND") from None
        require(namespace, caller(), Grant.WRITE)

    async def _work(self, run: _Run) -> MemoryJob:
        job = run.job
        report = job.report
        checkpoint = Checkpoint.of(job.checkpoint)
        if checkpoint.namespaces is None:
            checkpoint = dataclasses.replace(checkpoint,
                                             namespaces=await self._namespaces_of(job))
        assert checkpoint.namespaces is not None
        while checkpoint.finished < len(checkpoint.namespaces):
            namespace = checkpoint.namespaces[checkpoint.finished]
            steps = checkpoint.plan
            if steps is None:
                steps, examined = await self._plan(job, namespace)
                report = dataclasses.replace(report, examined=report.examined + examined)
                checkpoint = dataclasses.replace(checkpoint, plan=steps, done=0)
                if job.dry_run:
                    report = reported(report, steps)
                else:
                    await run.save(report, checkpoint)
            while not job.dry_run and checkpoint.done < len(steps):
                batch = steps[checkpoint.done:checkpoint.done + self._batch]
                report = reported(report, await self._apply(job, namespace, batch))
                checkpoint = dataclasses.replace(checkpoint, done=checkpoint.done + len(batch))
                await run.save(report, checkpoint)
            checkpoint = Checkpoint(checkpoint.namespaces, checkpoint.finished + 1)
        return await run.finish(report)

    async def _namespaces_of(self, job: MemoryJob) -> tuple[str, ...]:
        """The job's namespaces: the one it names, or those with a policy (every one, to
        re-embed) that the caller may write, in id order."""
        if job.namespace:
            return (job.namespace,)
        principals = caller()
        chosen = []
        for namespace in await self._namespaces.all_of(job.tenant):
            held = granted(namespace, principals)
            if held is not None and held >= Grant.WRITE and (
                    namespace.lifecycle_policy or job.kind is MemoryJobKind.REEMBED):
                chosen.append(namespace.id)
        return tuple(sorted(chosen))

    async def _policy_of(self, tenant: str, namespace_id: str) -> LifecyclePolicy:
        """The namespace's policy; one without rules when it has none (or it is gone)."""
        none = LifecyclePolicy(tenant=tenant, id="")
        try:
            namespace = await self._namespaces.get(tenant, namespace_id)
        except NotFound:
            return none
        if not namespace.lifecycle_policy:
            return none
        try:
            return await self._policies.get(tenant, namespace.lifecycle_policy.rsplit("/")[-1])
        except NotFound:
            log.warning("namespace %s of tenant %s names lifecycle policy %s, which does not "
                        "exist", namespace_id, tenant, namespace.lifecycle_policy)
            return none

    async def _plan(self, job: MemoryJob, namespace: str) -> tuple[tuple[Step, ...], int]:
        """The steps the job takes in ``namespace`` at its instant, and the memories judged."""
        memories = await self._rows.in_namespace(job.tenant, namespace)
        policy = (LifecyclePolicy(tenant=job.tenant, id="") if job.kind is MemoryJobKind.REEMBED
                  else await self._policy_of(job.tenant, namespace))
        steps = plan(job.kind, memories, policy, job.as_of or utc_now(), job_id=job.id,
                     namespace=namespace, model=self._model)
        return steps, len(memories)

    async def _apply(self, job: MemoryJob, namespace: str,
                     batch: Sequence[Step]) -> list[Step]:
        """Apply ``batch``; returns the steps that count (done now or before)."""
        if job.kind is MemoryJobKind.REEMBED:
            return await self._reembed(job.tenant, batch)
        counted: list[Step] = []
        written: dict[str, Memory] = {}
        for step in batch:
            for attempt in range(1, _ATTEMPTS + 1):
                try:
                    counts, wrote = await self._step(job, namespace, step)
                    break
                except Aborted:  # the memory changed under the step: judge it again
                    if attempt == _ATTEMPTS:
                        raise
            if counts:
                counted.append(step)
            if wrote is not None:
                written[wrote.id] = wrote
        if written:
            await self._sync.try_apply(list(written.values()))
        return counted

    async def _step(self, job: MemoryJob, namespace: str,
                    step: Step) -> tuple[bool, Memory | None]:
        """Apply one step: whether it counts, and the row for the index to reflect (the one
        written, or one an earlier run wrote and the index has not caught up with)."""
        if step.op is Op.SUMMARIZE:
            return await self._summarize(job, namespace, step), None
        try:
            current = await self._rows.get(job.tenant, step.memory)
        except NotFound:
            return step.op is Op.DELETE, None  # gone: forgotten, nothing to archive or link
        done = _pending(current)
        if step.op is Op.DELETE:
            return True, done if current.deleted else await self._write(current, deleted=True)
        if current.deleted:
            return False, None
        if step.op is Op.ARCHIVE:
            if current.state is MemoryState.ARCHIVED and step.into in ("", current.merged_into):
                return True, done
            return True, await self._write(current, state=MemoryState.ARCHIVED,
                                           merged_into=step.into or current.merged_into)
        missing = [m for m in step.merged if m not in current.merged_from]
        if not missing:
            return True, done
        return True, await self._write(current, merged_from=[*current.merged_from, *missing])

    async def _summarize(self, job: MemoryJob, namespace: str, step: Step) -> bool:
        if await self._live(job.tenant, step.memory) is not None:
            return True  # made by an earlier run of the job
        found = {m.id: m for m in await self._rows.get_many(job.tenant, step.merged)
                 if not m.deleted}
        originals = [found[i] for i in step.merged if i in found]
        if not originals:
            return False
        text = (await self._summarizer.summarize(job.tenant,
                                                 [m.content for m in originals])).strip()
        if not text:
            raise Unavailable("the summarizer returned an empty summary; try again",
                              reason="EMPTY_SUMMARY")
        tags = sorted({t for m in originals for t in m.tags})[:MAX_TAGS]
        with contextlib.suppress(AlreadyExists):  # made by a concurrent run of the job
            await self._memories.create(Memory(
                tenant=job.tenant, id=step.memory, namespace=namespace,
                content=text[:MAX_CONTENT], kind=MemoryKind.SEMANTIC,
                importance=max(m.importance for m in originals), tags=tags,
                metadata={"memory_job": job.id}, merged_from=list(step.merged)))
        return True

    async def _reembed(self, tenant: str, batch: Sequence[Step]) -> list[Step]:
        found = {m.id: m for m in await self._rows.get_many(tenant, [s.memory for s in batch])
                 if not m.deleted}
        todo = [m for m in found.values() if m.embedding_model != self._model]
        # Re-embedded by an earlier run that stopped before the index took the new vector.
        written = [m for m in found.values() if m.embedding_model == self._model
                   and not m.indexed]
        if todo:
            embedded = await self._embedder.embed(tenant, [m.content for m in todo])
            # The index keeps a vector in its model's collection: the old one goes first.
            await self._index.remove(todo)
            written += [
                await self._write(m, vector=pack(vector), embedding_model=embedded.model,
                                  embedding_dimensions=len(vector))
                for m, vector in zip(todo, embedded.vectors, strict=True)]
        if written:
            await self._sync.try_apply(written)
        return [s for s in batch if s.memory in found]

    async def _live(self, tenant: str, memory_id: str) -> Memory | None:
        try:
            memory = await self._rows.get(tenant, memory_id)
        except NotFound:
            return None
        return None if memory.deleted else memory

    async def _write(self, memory: Memory, **changes: Any) -> Memory:
        """The row changed as MemoryService writes it: a new version for the index sync,
        unless the memory changed since it was read (Aborted)."""
        return await self._rows.update(dataclasses.replace(
            memory, **changes, version=memory.version + 1, indexed=False), memory.etag)


def _pending(memory: Memory) -> Memory | None:
    """The row, when the index has not caught up with it (a run that stopped between its
    write and the index's)."""
    return None if memory.indexed else memory


class _Run:
    """One run of a stored job: its writes, each on the etag of the one before, so that of
    two runs of the same job (two replicas) only one carries on."""

    def __init__(self, jobs: JobStore, job: MemoryJob) -> None:
        self._jobs = jobs
        self.job = job

    async def start(self) -> None:
        await self._write(dataclasses.replace(self.job, state=MemoryJobState.RUNNING,
                                              error=""))

    async def save(self, report: JobReport, checkpoint: Checkpoint) -> None:
        await self._write(dataclasses.replace(self.job, report=report,
                                              checkpoint=checkpoint.stored()))

    async def finish(self, report: JobReport) -> MemoryJob:
        return await self._write(dataclasses.replace(
            self.job, state=MemoryJobState.SUCCEEDED, report=report, checkpoint={},
            end_time=utc_now()))

    async def fail(self, error: Exception) -> MemoryJob:
        message = error.message if isinstance(error, CognitionError) else "internal error"
        return await self._write(dataclasses.replace(self.job, state=MemoryJobState.FAILED,
                                                     error=message[:2000]))

    async def _write(self, job: MemoryJob) -> MemoryJob:
        try:
            self.job = await self._jobs.update(job, self.job.etag)
        except Aborted as error:
            raise JobTaken(job.id) from error
        return self.job
