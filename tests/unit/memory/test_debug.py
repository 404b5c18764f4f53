"""The debug tools: a memory inspected, the access summary and the heatmap, on a real
database and milvus-lite."""

from __future__ import annotations

import datetime as dt

import pytest

from services.memory.core.debug import MemoryDebug
from services.memory.core.models import Memory
from services.memory.core.search import SearchQuery
from services.memory.repository import ReadLog
from shared import context
from shared.errors import InvalidArgument
from shared.resources.entity import utc_now
from tests.unit.memory.conftest import Memories

ADA = context.CallContext(tenant="acme", subject="tenants/acme/users/ada")
BOB = context.CallContext(tenant="acme", subject="tenants/acme/users/bob")


def _debug(parts: Memories) -> MemoryDebug:
    return MemoryDebug(parts.memories, parts.rows, parts.namespace_rows, parts.index,
                       ReadLog(parts.db))


async def _read_some(parts: Memories) -> None:
    await parts.namespace("facts")
    await parts.namespace("notes")
    await parts.memories.create_many([
        Memory(tenant="acme", id="tea", namespace="facts", content="Ada drinks green tea"),
        Memory(tenant="acme", id="tea2", namespace="facts", content="Ada drinks black tea"),
        Memory(tenant="acme", id="rust", namespace="facts", content="The engine is in Rust"),
        Memory(tenant="acme", id="note", namespace="notes", content="Ada drinks tea at noon")])
    for who, times in ((ADA, 2), (BOB, 1)):
        with context.bind(who):
            for _ in range(times):
                await parts.search.search(SearchQuery(tenant="acme", text="Ada drinks green tea",
                                                      top_k=1, namespaces=["facts"]))
    with context.bind(ADA):
        await parts.search.search(SearchQuery(tenant="acme", text="tea at noon", top_k=1,
                                              namespaces=["notes"]))
    await parts.reads.flush()


async def test_inspect_shows_neighbours_norm_and_reads(parts: Memories) -> None:
    await _read_some(parts)

    inspection = await _debug(parts).inspect("acme", "tea", neighbours=2)

    assert inspection.neighbours[0].memory.id == "tea2"
    assert "tea" not in [f.memory.id for f in inspection.neighbours]
    assert inspection.vector_norm == pytest.approx(1.0, abs=1e-5)
    assert [r.principal for r in inspection.reads] == [
        "tenants/acme/users/bob", "tenants/acme/users/ada", "tenants/acme/users/ada"]


async def test_access_summary_counts_reads_by_namespace_memory_and_reader(
        parts: Memories) -> None:
    await _read_some(parts)

    summary = await _debug(parts).summary("acme", dt.timedelta(hours=1), top=5)

    assert summary.reads == 4
    assert [(c.key, c.reads) for c in summary.namespaces] == [("facts", 3), ("notes", 1)]
    assert (summary.memories[0].key, summary.memories[0].reads) == ("tea", 3)
    assert [(c.key, c.reads) for c in summary.readers] == [
        ("tenants/acme/users/ada", 3), ("tenants/acme/users/bob", 1)]
    assert summary.unread_memories == 2


async def test_heatmap_buckets_reads_per_namespace(parts: Memories) -> None:
    await _read_some(parts)
    end = utc_now() + dt.timedelta(minutes=1)
    start = end - dt.timedelta(hours=2)

    heatmap = await _debug(parts).heatmap("acme", start, end, dt.timedelta(hours=1))

    assert heatmap.buckets == [start, start + dt.timedelta(hours=1)]
    assert heatmap.rows == {"facts": [0, 3], "notes": [0, 1]}
    with pytest.raises(InvalidArgument) as error:
        await _debug(parts).heatmap("acme", start, end, dt.timedelta(seconds=1))
    assert error.value.violations[0].field == "bucket"
