"""The hash chain: how an entry is linked to its predecessor and how a link is checked."""

from __future__ import annotations

import dataclasses
import datetime as dt
import hashlib
import json

from services.audit_log.core.models import AuditEntry
from shared.database import utc_now

GENESIS_HASH = "0" * 64


class SequenceTaken(Exception):
    """Another append took the sequence number first; re-read the head and try again."""


def entry_hash(entry: AuditEntry) -> str:
    """Hex SHA-256 over a canonical JSON of the entry's content and its previous hash."""
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
    canonical = json.dumps(content, sort_keys=True, separators=(",", ":"), ensure_ascii=False)
    return hashlib.sha256(canonical.encode()).hexdigest()


def link(entry: AuditEntry, head: AuditEntry | None) -> AuditEntry:
    """``entry`` placed after ``head`` (None: first of its tenant), stamped now and hashed."""
    now = utc_now()
    linked = dataclasses.replace(
        entry,
        sequence=head.sequence + 1 if head else 1,
        previous_hash=head.hash if head else GENESIS_HASH,
        create_time=now,
        update_time=now,
    )
    return dataclasses.replace(linked, hash=entry_hash(linked))


def broken_link(entry: AuditEntry, sequence: int, previous_hash: str) -> str:
    """Why ``entry`` does not belong at position ``sequence`` after ``previous_hash``.

    Returns:
        An empty string when the link holds, else the reason.
    """
    if entry_hash(entry) != entry.hash:
        return "hash mismatch: the entry was edited"
    if entry.sequence != sequence:
        return (f"sequence gap: expected {sequence}, found {entry.sequence} "
                "(an entry was deleted or reordered)")
    if entry.previous_hash != previous_hash:
        return "previous_hash mismatch: an entry before it was deleted, reordered or rewritten"
    return ""
