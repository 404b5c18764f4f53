"""The hash chain: how entries are linked to their predecessors and how a link is checked."""

from __future__ import annotations

import dataclasses
import datetime as dt
import hashlib
import json
from collections.abc import Sequence

from services.audit_log.core.models import AuditEntry, ChainPosition

GENESIS_HASH = "0" * 64
GENESIS = ChainPosition(0, GENESIS_HASH)


def entry_hash(entry: AuditEntry) -> str:
    """Hex SHA-256 over a canonical JSON of the entry's content and its previous hash.

    ``on_behalf_of`` and ``recorded_by`` are part of the content when set (entries written
    before the log recorded them hash as they always did).
    """
    content = {
        "tenant": entry.tenant,
        "sequence": entry.sequence,
        "actor": entry.actor,
        "action": entry.action,
        "resource": entry.resource,
        "outcome": entry.outcome.value,
        "trace_id": entry.trace_id,
        "payload_digest": entry.payload_digest,
        "create_time": entry.create_time.astimezone(dt.UTC).isoformat(),
        "previous_hash": entry.previous_hash,
    }
    for name in ("on_behalf_of", "recorded_by"):
        if getattr(entry, name):
            content[name] = getattr(entry, name)
    canonical = json.dumps(content, sort_keys=True, separators=(",", ":"), ensure_ascii=False)
    return hashlib.sha256(canonical.encode()).hexdigest()


def link(entries: Sequence[AuditEntry], after: ChainPosition,
         now: dt.datetime) -> list[AuditEntry]:
    """``entries`` placed in order after position ``after``, stamped ``now`` and hashed.

    Args:
        entries: New entries of one tenant; their sequence and hash fields are ignored.
        after: The tenant's chain head (:data:`GENESIS` for an empty log).
        now: Creation time of every entry of the batch.
    """
    linked: list[AuditEntry] = []
    sequence, previous_hash = after.sequence, after.hash
    for entry in entries:
        sequence += 1
        placed = dataclasses.replace(entry, sequence=sequence, previous_hash=previous_hash,
                                     create_time=now, update_time=now)
        placed = dataclasses.replace(placed, hash=entry_hash(placed))
        linked.append(placed)
        previous_hash = placed.hash
    return linked


def broken_link(entry: AuditEntry, sequence: int, previous_hash: str) -> str:
    """Why ``entry`` does not belong at position ``sequence`` after ``previous_hash``.

    Returns:
        An empty string when the link holds, else the reason.
    """
    if entry_hash(entry) != entry.hash:
        return "hash mismatch: the entry was edited or moved"
    if entry.sequence != sequence:
        return (f"sequence gap: expected {sequence}, found {entry.sequence} "
                "(an entry was deleted or reordered)")
    if entry.previous_hash != previous_hash:
        return "previous_hash mismatch: an entry before it was deleted, reordered or rewritten"
    return ""
