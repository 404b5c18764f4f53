from __future__ import annotations

import dataclasses

from services.audit_log.core.chain import GENESIS, GENESIS_HASH, broken_link, entry_hash, link
from services.audit_log.core.models import AuditEntry, ChainPosition, Outcome
from shared.database import utc_now


def _entry(**changes: object) -> AuditEntry:
    entry = AuditEntry(tenant="acme", id="e1", actor="alice", action="planner.goal.create",
                       resource="tenants/acme/goals/g1", outcome=Outcome.SUCCESS)
    return dataclasses.replace(entry, **changes)


def test_first_entry_links_to_genesis() -> None:
    [first] = link([_entry()], GENESIS, utc_now())
    assert (first.sequence, first.previous_hash) == (1, GENESIS_HASH)
    assert first.hash == entry_hash(first)
    assert len(first.hash) == 64


def test_next_entry_links_to_head() -> None:
    [first] = link([_entry()], GENESIS, utc_now())
    [second] = link([_entry(id="e2")], ChainPosition(first.sequence, first.hash), utc_now())
    assert (second.sequence, second.previous_hash) == (2, first.hash)
    assert second.create_time >= first.create_time


def test_a_batch_is_linked_in_order_at_one_time() -> None:
    now = utc_now()
    batch = link([_entry(id=f"e{i}") for i in range(3)], ChainPosition(7, "a" * 64), now)
    assert [e.sequence for e in batch] == [8, 9, 10]
    assert [e.previous_hash for e in batch] == ["a" * 64, batch[0].hash, batch[1].hash]
    assert {e.create_time for e in batch} == {now}
    assert all(broken_link(e, e.sequence, e.previous_hash) == "" for e in batch)


def test_hash_covers_content_but_not_id_or_etag() -> None:
    [entry] = link([_entry()], GENESIS, utc_now())
    assert entry_hash(dataclasses.replace(entry, actor="mallory")) != entry.hash
    assert entry_hash(dataclasses.replace(entry, outcome=Outcome.DENIED)) != entry.hash
    assert entry_hash(dataclasses.replace(entry, sequence=2)) != entry.hash
    assert entry_hash(dataclasses.replace(entry, etag="x", id="other")) == entry.hash


def test_broken_link_names_the_cause() -> None:
    [first] = link([_entry()], GENESIS, utc_now())
    assert broken_link(first, 1, GENESIS_HASH) == ""
    assert broken_link(dataclasses.replace(first, actor="mallory"), 1, GENESIS_HASH).startswith(
        "hash mismatch")
    assert broken_link(first, 2, GENESIS_HASH).startswith("sequence gap")
    assert broken_link(first, 1, "f" * 64).startswith("previous_hash mismatch")


def test_same_content_compares_what_a_publisher_sends() -> None:
    [stored] = link([_entry()], GENESIS, utc_now())
    assert stored.same_content(_entry())
    assert not stored.same_content(_entry(actor="bob"))
    assert not stored.same_content(_entry(payload_digest="ab" * 32))
