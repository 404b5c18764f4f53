"""What agents remember: goal namespaces, task memory ids and the record of memories used."""

from __future__ import annotations

import re

from shared.agents.memories import (
    CONTEXT_KEY,
    METADATA_VALUE_CHARS,
    ContextRecord,
    MemoryUse,
    context_metadata,
    goal_namespace,
    task_memory_id,
)

NAMESPACE_ID = re.compile(r"^[a-z0-9][a-z0-9._-]{0,127}$")
MEMORY_ID = re.compile(r"^[a-z0-9][a-z0-9-]{0,62}$")


def test_a_goal_namespace_is_a_valid_namespace_id() -> None:
    assert goal_namespace("tenants/acme/goals/1f0c-42") == "goals.1f0c-42"
    assert goal_namespace("g1") == "goals.g1"
    odd = goal_namespace("tenants/acme/goals/" + "G+x" * 60)
    assert NAMESPACE_ID.match(odd) and len(odd) == 128


def test_a_task_memory_id_is_per_task_and_attempt_and_valid() -> None:
    task = "tenants/acme/goals/0b8e6d1c-5f1e-4c1e-9d4e-3f2a1b0c9d8e/tasks/research"
    assert task_memory_id(task, 1) == task_memory_id(task, 1)
    assert task_memory_id(task, 1).startswith("research-a1-")
    ids = {task_memory_id(task, 1), task_memory_id(task, 2),
           task_memory_id(task.replace("0b8e", "0b8f"), 1)}
    assert len(ids) == 3
    long = task_memory_id("tenants/acme/goals/g/tasks/" + "-Very_Long" * 20, 12345)
    assert all(MEMORY_ID.match(i) for i in (*ids, long))


def test_the_memories_used_round_trip_through_metadata() -> None:
    used = [MemoryUse("tenants/acme/memories/m1", 0.8349, 0.91),
            MemoryUse("tenants/acme/memories/m2", 0.5, 0.6)]
    metadata = context_metadata(used)
    assert metadata == {"context": "m1:0.835:0.910,m2:0.500:0.600", "context_count": "2"}
    assert ContextRecord.of(metadata, "acme") == ContextRecord((
        MemoryUse("tenants/acme/memories/m1", 0.835, 0.91),
        MemoryUse("tenants/acme/memories/m2", 0.5, 0.6)))
    assert ContextRecord.of({}, "acme") == ContextRecord(())
    assert ContextRecord.of(context_metadata([]), "acme") == ContextRecord(())


def test_only_what_fits_a_metadata_value_is_named_and_the_rest_counted() -> None:
    used = [MemoryUse(f"tenants/acme/memories/{'m' * 60}{i:03d}", 0.5, 0.5) for i in range(40)]
    metadata = context_metadata(used)
    assert len(metadata[CONTEXT_KEY]) <= METADATA_VALUE_CHARS
    record = ContextRecord.of(metadata, "acme")
    assert record.used == tuple(used[:len(record.used)]) and len(record.used) > 5
    assert record.left_out == 40 - len(record.used)


def test_an_unreadable_record_is_left_out() -> None:
    record = ContextRecord.of({"context": "m1:x:0.5,m2:0.7", "context_count": "many"}, "t")
    assert record == ContextRecord((MemoryUse("tenants/t/memories/m2", 0.7, 0.0),))
