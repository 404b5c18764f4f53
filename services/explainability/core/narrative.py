"""Turning audit records into an answer and its evidence."""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence

from services.explainability.core.models import AuditRecord, Evidence, EvidenceKind


def _when(time: dt.datetime) -> str:
    return time.astimezone(dt.UTC).strftime("%Y-%m-%d %H:%M:%S UTC")


def sentence(record: AuditRecord) -> str:
    """``alice did planner.goal.create (success)``."""
    return f"{record.actor} did {record.action} ({record.outcome.lower()})"


def evidence_of(record: AuditRecord) -> Evidence:
    """The evidence item an audit record contributes."""
    return Evidence(kind=EvidenceKind.AUDIT_ENTRY, source=record.name,
                    summary=f"{sentence(record)} on {record.resource}.", time=record.time)


def answer(subject: str, records: Sequence[AuditRecord]) -> str:
    """A summary of the actions on ``subject``, in time order (``records`` are oldest first)."""
    if not records:
        return f"No actions on {subject} are recorded in the audit log."
    count = "1 recorded action" if len(records) == 1 else f"{len(records)} recorded actions"
    lines = [f"{subject} has {count}, oldest first:"]
    lines += [f"{i}. {_when(r.time)}: {sentence(r)}." for i, r in enumerate(records, 1)]
    return "\n".join(lines)


def trace_of(records: Sequence[AuditRecord]) -> str:
    """The trace of the earliest recorded action that has one: the work that made the subject."""
    return next((r.trace_id for r in records if r.trace_id), "")
