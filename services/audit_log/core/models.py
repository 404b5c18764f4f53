"""Domain models of the audit-log."""

from __future__ import annotations

import dataclasses
import datetime as dt
import enum

from shared.database import Entity


class Outcome(enum.StrEnum):
    """How an audited action ended."""

    SUCCESS = "SUCCESS"
    FAILURE = "FAILURE"
    DENIED = "DENIED"


@dataclasses.dataclass(frozen=True, kw_only=True)
class AuditEntry(Entity):
    """One record of a tenant's log; ``sequence``, ``previous_hash`` and ``hash`` chain it
    to the entry before it (see :mod:`services.audit_log.core.chain`)."""

    actor: str
    action: str
    resource: str
    outcome: Outcome
    trace_id: str = ""
    payload_digest: str = ""
    sequence: int = 0
    previous_hash: str = ""
    hash: str = ""


@dataclasses.dataclass(frozen=True)
class AuditQuery:
    """Which entries a listing returns; empty or None fields do not restrict it.

    Attributes:
        resource: Only entries about this resource name.
        actor: Only entries by this actor.
        trace_id: Only entries of this trace.
        start_time: Only entries created at or after this time.
        end_time: Only entries created before this time.
    """

    resource: str = ""
    actor: str = ""
    trace_id: str = ""
    start_time: dt.datetime | None = None
    end_time: dt.datetime | None = None


@dataclasses.dataclass(frozen=True)
class ChainVerdict:
    """The result of verifying a tenant's chain.

    Attributes:
        entries_checked: How many entries were read before stopping.
        first_bad: Id of the first entry that failed; empty when the chain is intact.
        reason: Why it failed; empty when the chain is intact.
    """

    entries_checked: int
    first_bad: str = ""
    reason: str = ""

    @property
    def valid(self) -> bool:
        return not self.first_bad
