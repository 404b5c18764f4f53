"""Domain models of the explainability service."""

from __future__ import annotations

import dataclasses
import datetime as dt
import enum

from shared.resources.entity import Entity


class ExplanationState(enum.StrEnum):
    """Lifecycle of an explanation."""

    PENDING = "PENDING"
    READY = "READY"
    FAILED = "FAILED"


class EvidenceKind(enum.StrEnum):
    """What kind of record a piece of evidence is."""

    AUDIT_ENTRY = "AUDIT_ENTRY"
    SPAN = "SPAN"
    COMPLETION = "COMPLETION"


@dataclasses.dataclass(frozen=True)
class Evidence:
    """One record an explanation is based on.

    Attributes:
        kind: What kind of record it is.
        source: Name of the record, e.g. an audit entry's name.
        summary: What the record says, in a sentence.
        time: When the recorded event happened.
    """

    kind: EvidenceKind
    source: str
    summary: str
    time: dt.datetime


@dataclasses.dataclass(frozen=True)
class AuditRecord:
    """An audit-log entry as the explainer reads it.

    Attributes:
        name: The entry's resource name.
        actor: Who acted.
        action: What was done (``planner.goal.create``).
        resource: What it was done to.
        outcome: How it ended (``SUCCESS``, ``FAILURE``, ``DENIED``).
        trace_id: Trace of the request that acted; empty when unknown.
        time: When it was recorded.
    """

    name: str
    actor: str
    action: str
    resource: str
    outcome: str
    trace_id: str
    time: dt.datetime


@dataclasses.dataclass(frozen=True, kw_only=True)
class Explanation(Entity):
    """An answer to a question about a subject resource, with the records behind it."""

    subject: str
    question: str = ""
    state: ExplanationState = ExplanationState.PENDING
    answer: str = ""
    evidence: tuple[Evidence, ...] = ()
    trace_id: str = ""
