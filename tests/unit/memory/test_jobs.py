"""Running lifecycle jobs: a finished job is returned as it is, bad requests are refused, a job
that failed or was killed mid-run resumes without doing anything twice, and the schedule runs
each kind once per interval; on SQLite and PostgreSQL with a milvus-lite index."""

from __future__ import annotations

import datetime as dt

import pytest

from cognition.memory.v1 import memory_job_pb2
from services.memory import convert
from services.memory.core.lifecycle import summary_id
from services.memory.core.models import (
    LifecyclePolicy,
    MemoryJob,
    MemoryJobKind,
    MemoryJobState,
    MemoryKind,
    MemoryMerge,
    MemoryState,
)
from services.memory.core.schedule import LifecycleSchedule, scheduled_job_id
from services.memory.repository import job_repository
from shared import context
from shared.database import PageRequest, utc_now
from shared.errors import AlreadyExists, InvalidArgument, NotFound, PermissionDenied
from tests.unit.memory.conftest import WORDS_DIMENSIONS, WORDS_MODEL, Memories
from tests.unit.memory.jobs_setup import (
    FlakyRows,
    Killed,
    RecordingSummarizer,
    governed,
    job,
    jobs_of,
    policies_of,
    remember,
)

DAY = dt.timedelta(days=1)


async def test_a_finished_job_is_returned_as_it_is_and_jobs_are_listed_newest_first(
        parts: Memories) -> None:
    await governed(parts, "ns", ttl=DAY)
    await remember(parts, "m1", "Ada likes tea.")
    jobs = jobs_of(parts)
    now = utc_now() + 2 * DAY
    first = await jobs.run(job(MemoryJobKind.GC, "gc-1"), now=now)
    await remember(parts, "m2", "Ada likes coffee.")

    again = await jobs.run(job(MemoryJobKind.GC, "gc-1"), now=now + DAY)
    second = await jobs.run(job(MemoryJobKind.GC, "gc-2", dry_run=True), now=now)

    assert again == first
    assert (first.state, first.report.deleted, first.as_of) == (MemoryJobState.SUCCEEDED,
                                                                ("m1",), now)
    assert first.end_time is not None and first.checkpoint == {}
    assert second.report.deleted == ("m2",)
    assert await jobs.get("acme", "gc-1") == first
    listed = await jobs.list("acme", PageRequest())
    assert [j.id for j in listed.items] == ["gc-2", "gc-1"]
    message = convert.memory_job_to_proto(first)
    assert message.name == "tenants/acme/memoryJobs/gc-1"
    assert list(message.report.deleted) == ["tenants/acme/memories/m1"]


async def test_bad_jobs_are_refused(parts: Memories) -> None:
    await parts.namespace("ns")
    await governed(parts, "open", ttl=DAY)
    await policies_of(parts).create(LifecyclePolicy(tenant="acme", id="closed", ttl=DAY))
    await parts.namespace("closed", writers=["tenants/acme/users/bob"],
                          lifecycle_policy="tenants/acme/lifecyclePolicies/closed")
    await remember(parts, "kept", "Bob's memory.", namespace="closed", age=2 * DAY)
    await remember(parts, "gone", "Anyone's memory.", namespace="open", age=2 * DAY)
    jobs = jobs_of(parts)
    await jobs.run(job(MemoryJobKind.GC, "taken", namespace="ns"))

    with pytest.raises(InvalidArgument) as unknown:
        await jobs.run(job(MemoryJobKind.GC, namespace="nowhere"))
    with pytest.raises(AlreadyExists):
        await jobs.run(job(MemoryJobKind.COMPRESS, "taken", namespace="ns"))
    assert unknown.value.violations[0].field == "memory_job.namespace"
    with context.bind(context.CallContext(tenant="acme", subject="tenants/acme/users/ada")):
        with pytest.raises(PermissionDenied):
            await jobs.run(job(MemoryJobKind.GC, namespace="closed"))
        with pytest.raises(NotFound):
            await jobs.get("other", "taken")
        with pytest.raises(NotFound):
            await jobs.run(MemoryJob(tenant="other", id="x", kind=MemoryJobKind.GC))
        # Every namespace with a policy: only those the caller may write.
        done = await jobs.run(job(MemoryJobKind.GC, "all"))
    assert (done.state, done.report.deleted) == (MemoryJobState.SUCCEEDED, ("gone",))
    with pytest.raises(InvalidArgument) as no_kind:
        convert.new_memory_job("acme", "j", memory_job_pb2.MemoryJob(namespace="ns"))
    assert no_kind.value.violations[0].field == "memory_job.kind"


async def test_a_job_that_failed_mid_run_resumes_without_doing_anything_twice(
        parts: Memories) -> None:
    await governed(parts, "ns", ttl=DAY)
    await governed(parts, "more", ttl=DAY)
    for i in range(5):
        await remember(parts, f"m{i}", f"Memory number {i}.")
    await remember(parts, "x1", "Another namespace.", namespace="more")
    now = utc_now() + 2 * DAY
    expected = (await jobs_of(parts).run(job(MemoryJobKind.GC, "dry", dry_run=True),
                                         now=now)).report
    flaky = FlakyRows(parts.rows, writes=4)

    # Namespace "more" (x1), then "ns" in batches of two: the second batch of "ns" fails
    # after deleting m2, before its checkpoint.
    failed = await jobs_of(parts, rows=flaky, batch=2).run(job(MemoryJobKind.GC, "gc"), now=now)

    assert failed.state is MemoryJobState.FAILED
    assert failed.error == "internal error"
    assert failed.report.deleted == ("x1", "m0", "m1")
    healthy = FlakyRows(parts.rows, writes=100)
    resumed = await jobs_of(parts, rows=healthy, batch=2).run(job(MemoryJobKind.GC, "gc"),
                                                              now=now + 10 * DAY)

    assert resumed.state is MemoryJobState.SUCCEEDED and resumed.error == ""
    assert resumed.report == expected
    assert resumed.report.deleted == ("x1", "m0", "m1", "m2", "m3", "m4")
    assert resumed.as_of == now
    # m2 was deleted before the failure: the resumed run found it so and wrote only m3, m4
    # (and completed m2's removal from the index).
    assert healthy.updates == 2
    assert await parts.index.keys(WORDS_MODEL, WORDS_DIMENSIONS) == set()
    assert await parts.rows.in_namespace("acme", "ns") == []


async def test_a_job_killed_mid_run_resumes_without_making_a_second_summary(
        parts: Memories) -> None:
    await governed(parts, "ns", summarize_after=7 * DAY, merge_similarity=0.99)
    texts = ["Deployed build 1.", "Build 2 failed.", "Rolled back build 2.", "Deployed build 3."]
    for i, text in enumerate(texts):
        await remember(parts, f"e{i}", text, age=(20 - i) * DAY)
    await remember(parts, "dup", "deployed build 3", age=DAY, importance=0.9)
    summarizer = RecordingSummarizer(fail_first=1)
    compress = job(MemoryJobKind.COMPRESS, "c1")

    # The summarizer fails at first; the job is FAILED after the merge (archive e3, link dup).
    failed = await jobs_of(parts, summarizer=summarizer, batch=2).run(compress)
    assert failed.state is MemoryJobState.FAILED
    assert failed.report.merges == (MemoryMerge("dup", ("e3",)),)
    # Run again, the process dies after making the summary, before the batch's checkpoint.
    killer = FlakyRows(parts.rows, writes=0, error=Killed())
    with pytest.raises(Killed):
        await jobs_of(parts, rows=killer, summarizer=summarizer, batch=2).run(compress)
    assert (await jobs_of(parts).get("acme", "c1")).state is MemoryJobState.RUNNING

    resumed = await jobs_of(parts, summarizer=summarizer, batch=2).run(compress)

    summary = summary_id("c1", "ns")
    originals = ("e0", "e1", "e2")
    assert resumed.state is MemoryJobState.SUCCEEDED
    assert len(summarizer.calls) == 2  # the failed call and the one that made the summary
    assert resumed.report.created == (summary,)
    assert resumed.report.archived == ("e3", *originals)
    assert resumed.report.merges == (MemoryMerge("dup", ("e3",)), MemoryMerge(summary, originals))
    stored = {m.id: m for m in await parts.rows.in_namespace("acme", "ns")}
    assert [m.id for m in stored.values() if m.kind is MemoryKind.SEMANTIC] == [summary]
    assert stored[summary].merged_from == list(originals)
    assert stored["dup"].merged_from == ["e3"]
    for original in originals:
        assert (stored[original].state, stored[original].merged_into) == (
            MemoryState.ARCHIVED, summary)
    assert await parts.index.keys(WORDS_MODEL, WORDS_DIMENSIONS) == {"acme/dup",
                                                                     f"acme/{summary}"}


async def test_the_schedule_runs_each_kind_once_per_interval(parts: Memories) -> None:
    await governed(parts, "ns", ttl=DAY)
    await governed(parts, "ns", tenant="other", archive_after=DAY)
    await parts.namespace("plain")
    await remember(parts, "m1", "Ada likes tea.", age=2 * DAY)
    jobs = jobs_of(parts)
    schedule = LifecycleSchedule(jobs, parts.namespace_rows, dt.timedelta(hours=1))
    now = dt.datetime(2030, 1, 1, 10, 30, tzinfo=dt.UTC)

    ran = await schedule.run_due(now)
    again = await schedule.run_due(now + dt.timedelta(minutes=20))
    later = await schedule.run_due(now + dt.timedelta(hours=1))

    start = dt.datetime(2030, 1, 1, 10, tzinfo=dt.UTC)
    assert [(j.tenant, j.id) for j in ran] == [
        (tenant, scheduled_job_id(kind, start)) for tenant in ("acme", "other")
        for kind in (MemoryJobKind.GC, MemoryJobKind.ARCHIVE_STALE, MemoryJobKind.COMPRESS)]
    assert all(j.scheduled and j.state is MemoryJobState.SUCCEEDED and j.as_of == start
               for j in ran)
    assert ran[0].id == "scheduled-gc-1893492000"
    assert ran[0].report.deleted == ("m1",)
    assert again == ran
    assert {j.id for j in later}.isdisjoint({j.id for j in ran})
    stored = await job_repository(parts.db).list("acme", PageRequest())
    assert len(stored.items) == 6
