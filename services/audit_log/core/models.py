"""Domain models of the audit-log."""

from __future__ import annotations

import dataclasses
import datetime as dt
import enum

from shared.resources.entity import Entity
from shared.resources.filters import MATCH_ALL, Filter


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
    on_behalf_of: str = ""
    recorded_by: str = ""
    sequence: int = 0
    previous_hash: str = ""
    hash: str = ""


    def same_content(self, other: AuditEntry) -> bool:
        """Whether ``other`` records the same event (the fields a publisher sends), so that a
        resend of it may be answered with this stored entry."""
        return all(getattr(self, name) == getattr(other, name) for name in CONTENT_FIELDS)


CONTENT_FIELDS = ("tenant", "id", "actor", "action", "resource", "outcome", "trace_id",
                  "payload_digest", "on_behalf_of", "recorded_by")


@dataclasses.dataclass(frozen=True)
class ChainPosition:
    """A point of a tenant's chain: an entry's sequence and hash.

    Attributes:
        sequence: The entry's position (0 before the first entry).
        hash: The entry's hash (the genesis hash before the first entry).
        entry_id: Id of the entry at that position; empty when unknown or before the first.
    """

    sequence: int
    hash: str
    entry_id: str = ""


@dataclasses.dataclass(frozen=True, kw_only=True)
class RetentionPolicy(Entity):
    """How long a tenant's entries are kept; ``retain`` None (the default) keeps them forever.

    A tenant has at most one, stored under :data:`RETENTION_POLICY_ID`.
    """

    retain: dt.timedelta | None = None


RETENTION_POLICY_ID = "retentionPolicy"


@dataclasses.dataclass(frozen=True)
class PurgeResult:
    """What one purge of a tenant's log did.

    Attributes:
        tenant: The tenant.
        purged: How many entries were deleted.
        checkpoint: Where the remaining chain now starts (the last purged entry).
        refused: Why nothing was purged although entries had expired (a broken chain is kept
            as evidence); empty otherwise.
    """

    tenant: str
    purged: int = 0
    checkpoint: ChainPosition | None = None
    refused: str = ""


@dataclasses.dataclass(frozen=True)
class AuditQuery:
    """Which entries a listing returns; empty or None fields do not restrict it.

    Attributes:
        resource: Only entries about this resource name.
        actor: Only entries by this actor.
        trace_id: Only entries of this trace.
        start_time: Only entries created at or after this time.
        end_time: Only entries created before this time.
        matching: Only entries the List filter selects.
    """

    resource: str = ""
    actor: str = ""
    trace_id: str = ""
    start_time: dt.datetime | None = None
    end_time: dt.datetime | None = None
    matching: Filter = MATCH_ALL


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
