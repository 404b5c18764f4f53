"""Lifecycle policies and what their jobs do: TTL expiry, decay, GC (its dry run equal to the
real run), archiving of stale memories and their restore, compression that keeps its links,
and re-embedding; on a real database (SQLite and PostgreSQL) and a milvus-lite index."""

from __future__ import annotations

import dataclasses
import datetime as dt

import pytest

from services.memory import convert
from services.memory.core.lifecycle import effective_importance, summary_id
from services.memory.core.models import (
    LifecyclePolicy,
    Memory,
    MemoryJobKind,
    MemoryJobState,
    MemoryKind,
    MemoryMerge,
    MemoryState,
    Namespace,
)
from services.memory.core.namespaces import NamespaceService
from services.memory.repository import ReadLog, policy_repository
from shared.database import PageRequest, utc_now
from shared.errors import Aborted, InvalidArgument, NotFound
from tests.unit.memory.conftest import WORDS_DIMENSIONS, WORDS_MODEL, Memories
from tests.unit.memory.jobs_setup import (
    RecordingSummarizer,
    governed,
    job,
    jobs_of,
    policies_of,
    remember,
)

DAY = dt.timedelta(days=1)


async def keys(parts: Memories) -> set[str]:
    return await parts.index.keys(WORDS_MODEL, WORDS_DIMENSIONS)


async def rows(parts: Memories, namespace: str = "ns") -> dict[str, Memory]:
    return {m.id: m for m in await parts.rows.in_namespace("acme", namespace)}


def test_effective_importance_decays_per_day_since_the_last_read() -> None:
    created = dt.datetime(2026, 1, 1, tzinfo=dt.UTC)
    memory = Memory(tenant="acme", id="m", namespace="ns", content="x", importance=0.8,
                    create_time=created)
    read = dataclasses.replace(memory, access_time=created + DAY)

    assert effective_importance(memory, 0.5, created + 2 * DAY) == pytest.approx(0.2)
    assert effective_importance(read, 0.5, created + 2 * DAY) == pytest.approx(0.4)
    assert effective_importance(memory, 0.5, created + 12 * dt.timedelta(hours=1)) == (
        pytest.approx(0.8 * 0.5 ** 0.5))
    assert effective_importance(memory, 0.0, created + 100 * DAY) == pytest.approx(0.8)
    assert effective_importance(memory, 0.5, created - DAY) == pytest.approx(0.8)
    # Computed, never stored: the memory is as it was.
    assert memory.importance == 0.8


async def test_policies_are_created_read_listed_and_updated(parts: Memories) -> None:
    policies = policies_of(parts)
    first = await policies.create(LifecyclePolicy(tenant="acme", id="short", ttl=DAY,
                                                  decay=0.1))
    second = await policies.create(LifecyclePolicy(tenant="acme", id="long", max_memories=10))

    assert await policies.get("acme", "short") == first
    listed = await policies.list("acme", PageRequest())
    assert [p.id for p in listed.items] == ["long", "short"]
    updated = await policies.update("acme", "short", {"ttl": 2 * DAY, "archive_after": None},
                                    first.etag)
    assert (updated.ttl, updated.decay) == (2 * DAY, pytest.approx(0.1))
    with pytest.raises(Aborted):
        await policies.update("acme", "short", {"decay": 0.2}, first.etag)
    with pytest.raises(InvalidArgument) as bad:
        await policies.update("acme", "long", {"ttl": -DAY, "decay": 1.5})
    assert {v.field for v in bad.value.violations} == {"lifecycle_policy.ttl",
                                                       "lifecycle_policy.decay"}
    assert second.etag == (await policies.get("acme", "long")).etag
    message = convert.policy_to_proto(updated)
    assert message.name == "tenants/acme/lifecyclePolicies/short"
    assert message.ttl.ToTimedelta() == 2 * DAY and not message.HasField("archive_after")
    assert convert.new_policy("acme", "short", message).ttl == 2 * DAY


async def test_a_namespace_naming_a_missing_policy_is_not_found(parts: Memories) -> None:
    namespaces = NamespaceService(parts.namespace_rows, policy_repository(parts.db))
    with pytest.raises(NotFound) as missing:
        await namespaces.create(Namespace(
            tenant="acme", id="ns", lifecycle_policy="tenants/acme/lifecyclePolicies/nope"))
    assert missing.value.reason == "LIFECYCLE_POLICY_NOT_FOUND"
    await policies_of(parts).create(LifecyclePolicy(tenant="acme", id="nope"))
    created = await namespaces.create(Namespace(
        tenant="acme", id="ns", lifecycle_policy="tenants/acme/lifecyclePolicies/nope"))
    assert created.lifecycle_policy == "tenants/acme/lifecyclePolicies/nope"


async def test_gc_forgets_what_its_ttl_or_its_own_expire_time_let_go(parts: Memories) -> None:
    await governed(parts, "ns", ttl=DAY)
    now = utc_now()
    await remember(parts, "lives", "Ada likes tea.")
    await remember(parts, "brief", "The build is red.", expire_time=now + dt.timedelta(hours=1))
    jobs = jobs_of(parts)

    soon = await jobs.run(job(MemoryJobKind.GC, "gc-1"), now=now + dt.timedelta(hours=2))
    assert soon.state is MemoryJobState.SUCCEEDED
    assert (soon.report.examined, soon.report.deleted) == (2, ("brief",))
    assert set(await rows(parts)) == {"lives"}
    assert await keys(parts) == {"acme/lives"}

    later = await jobs.run(job(MemoryJobKind.GC, "gc-2"), now=now + 2 * DAY)
    assert later.report.deleted == ("lives",)
    assert await rows(parts) == {}
    assert await keys(parts) == set()


async def test_gc_forgets_faded_memories_and_the_least_important_beyond_the_cap(
        parts: Memories) -> None:
    await governed(parts, "ns", decay=0.5, min_importance=0.3, max_memories=2)
    await remember(parts, "vital", "The user is Ada.", importance=0.9)
    await remember(parts, "faint", "It rained.", importance=0.5)
    await remember(parts, "useful", "Ada works at night.", importance=0.7)
    await remember(parts, "solid", "Ada likes tea.", importance=0.8)

    # A day on: 0.45, 0.25 (below 0.3), 0.35, 0.4; then three left for two places.
    done = await jobs_of(parts).run(job(MemoryJobKind.GC), now=utc_now() + DAY)

    assert done.report.deleted == ("faint", "useful")
    assert set(await rows(parts)) == {"vital", "solid"}


async def test_a_gc_dry_run_reports_exactly_what_the_real_run_does(parts: Memories) -> None:
    await governed(parts, "ns", ttl=3 * DAY, decay=0.2, min_importance=0.2, max_memories=1)
    await governed(parts, "other", ttl=DAY)
    # Expired: m3, m4, m5; faded: m0 (0.12); beyond the cap of 1 of m1 and m2: m1 (0.216).
    for i in range(6):
        await remember(parts, f"m{i}", f"Memory number {i}.", importance=0.12 + 0.15 * i,
                       age=i * DAY)
    await remember(parts, "o1", "Another namespace.", namespace="other", age=2 * DAY)
    now = utc_now()
    jobs = jobs_of(parts)

    dry = await jobs.run(job(MemoryJobKind.GC, "dry", dry_run=True), now=now)
    assert len(await rows(parts)) == 6 and len(await keys(parts)) == 7
    real = await jobs.run(job(MemoryJobKind.GC, "real"), now=now)

    assert dry.report == real.report
    assert real.report.deleted == ("m5", "m4", "m3", "m0", "m1", "o1")
    assert real.report.examined == 7
    assert await keys(parts) == {"acme/m2"}
    assert set(await rows(parts)) == {"m2"}


async def test_stale_memories_are_archived_and_restore_brings_them_back(
        parts: Memories) -> None:
    await governed(parts, "ns", archive_after=2 * DAY)
    await remember(parts, "unread", "Ada likes tea.")
    read = await remember(parts, "read", "The build is red.")
    now = utc_now()
    await ReadLog(parts.db).write([(read, "tenants/acme/users/ada", now + 2 * DAY)])

    done = await jobs_of(parts).run(job(MemoryJobKind.ARCHIVE_STALE), now=now + 3 * DAY)

    assert done.report.archived == ("unread",)
    archived = await parts.memories.get("acme", "unread")
    assert (archived.state, archived.merged_into) == (MemoryState.ARCHIVED, "")
    assert await keys(parts) == {"acme/read"}
    restored = await parts.memories.restore("acme", "unread")
    assert (restored.state, restored.content) == (MemoryState.ACTIVE, "Ada likes tea.")
    assert await keys(parts) == {"acme/read", "acme/unread"}


async def test_compression_merges_near_duplicates_into_the_more_important(
        parts: Memories) -> None:
    await governed(parts, "ns", merge_similarity=0.95)
    await remember(parts, "weak", "Ada likes green tea.", importance=0.4)
    await remember(parts, "strong", "ada likes green tea", importance=0.8)
    await remember(parts, "newer", "Ada likes green tea!", importance=0.4)
    await remember(parts, "apart", "The deploy failed on Tuesday.", importance=0.5)

    done = await jobs_of(parts).run(job(MemoryJobKind.COMPRESS))

    assert done.report.merges == (MemoryMerge("strong", ("newer", "weak")),)
    assert done.report.archived == ("newer", "weak")
    stored = await rows(parts)
    assert stored["strong"].merged_from == ["newer", "weak"]
    assert stored["strong"].state is MemoryState.ACTIVE
    for merged in ("newer", "weak"):
        assert (stored[merged].state, stored[merged].merged_into) == (MemoryState.ARCHIVED,
                                                                      "strong")
    assert await keys(parts) == {"acme/strong", "acme/apart"}
    message = convert.memory_to_proto(stored["strong"])
    assert list(message.merged_from) == ["tenants/acme/memories/newer",
                                         "tenants/acme/memories/weak"]
    assert convert.memory_to_proto(stored["weak"]).merged_into == "tenants/acme/memories/strong"
    merge = convert.memory_job_to_proto(done).report.merges[0]
    assert (merge.into, list(getattr(merge, "from"))) == (
        "tenants/acme/memories/strong",
        ["tenants/acme/memories/newer", "tenants/acme/memories/weak"])


async def test_compression_summarises_old_episodes_into_one_memory_keeping_links(
        parts: Memories) -> None:
    await governed(parts, "ns", summarize_after=7 * DAY)
    for i, text in enumerate(["Deployed build 1.", "Build 2 failed.", "Rolled back build 2."]):
        await remember(parts, f"e{i}", text, age=(10 - i) * DAY, importance=0.2 + 0.1 * i,
                       tags=["deploys"])
    await remember(parts, "recent", "Deployed build 3.")
    await remember(parts, "fact", "Builds deploy on Fridays.", age=30 * DAY,
                   kind=MemoryKind.SEMANTIC)
    summarizer = RecordingSummarizer()

    done = await jobs_of(parts, summarizer=summarizer).run(job(MemoryJobKind.COMPRESS, "c1"))

    summary_key = summary_id("c1", "ns")
    originals = ("e0", "e1", "e2")
    assert done.report.created == (summary_key,)
    assert done.report.archived == originals
    assert done.report.merges == (MemoryMerge(summary_key, originals),)
    assert summarizer.calls == [["Deployed build 1.", "Build 2 failed.", "Rolled back build 2."]]
    stored = await rows(parts)
    summary = stored[summary_key]
    assert (summary.kind, summary.state, summary.merged_from) == (
        MemoryKind.SEMANTIC, MemoryState.ACTIVE, list(originals))
    assert summary.content.startswith("Summary: Deployed build 1.")
    assert (summary.importance, summary.tags) == (pytest.approx(0.4), ["deploys"])
    assert summary.embedding_model == WORDS_MODEL
    for original in originals:
        assert (stored[original].state, stored[original].merged_into) == (
            MemoryState.ARCHIVED, summary_key)
    assert stored["recent"].state is MemoryState.ACTIVE
    assert stored["fact"].state is MemoryState.ACTIVE
    assert await keys(parts) == {f"acme/{summary_key}", "acme/recent", "acme/fact"}
    # The originals stay readable, and restorable.
    assert (await parts.memories.restore("acme", "e0")).merged_into == summary_key


async def test_reembedding_moves_every_vector_to_the_services_model(parts: Memories) -> None:
    await parts.namespace("ns")
    await remember(parts, "current", "Ada likes tea.")
    for memory_id in ("old1", "old2"):
        memory = await remember(parts, memory_id, f"An old memory {memory_id}.")
        # As an earlier model embedded it: a vector of another dimension in its collection.
        await parts.index.remove([memory])
        old = await parts.rows.update(dataclasses.replace(
            memory, embedding_model="old-model", embedding_dimensions=4,
            vector=memory.vector[:16], version=memory.version + 1, indexed=False))
        await parts.sync.apply([old])
    assert await parts.index.keys("old-model", 4) == {"acme/old1", "acme/old2"}

    done = await jobs_of(parts).run(job(MemoryJobKind.REEMBED))

    assert (done.report.reembedded, done.report.examined) == (2, 3)
    assert await parts.index.keys("old-model", 4) == set()
    assert await keys(parts) == {"acme/current", "acme/old1", "acme/old2"}
    stored = await rows(parts)
    assert {(m.embedding_model, m.embedding_dimensions) for m in stored.values()} == {
        (WORDS_MODEL, WORDS_DIMENSIONS)}
