"""``AuditLog``: appending to, reading, verifying and purging each tenant's hash-chained log."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Sequence

from services.audit_log.core.chain import broken_link, link
from services.audit_log.core.models import (
    RETENTION_POLICY_ID,
    AuditEntry,
    AuditQuery,
    ChainPosition,
    ChainVerdict,
    PurgeResult,
)
from services.audit_log.core.stores import AuditEntryStore, RetentionPolicyStore
from shared.errors import AlreadyExists, InvalidArgument
from shared.resources.entity import utc_now
from shared.resources.pages import Page, PageRequest

MAX_BATCH = 500
VERIFY_BATCH = 500
# A purge that moves the checkpoint during a walk makes the walk start from a deleted entry;
# the walk is repeated from the new checkpoint, a bounded number of times.
VERIFY_ATTEMPTS = 3


class AuditLog:
    """The audit logs of every tenant.

    Appends are serialized per tenant by the repository's head lock, so a batch takes
    consecutive sequence numbers; its hashes are computed here, under that lock.

    Args:
        entries: Repository of audit entries and chain heads.
        policies: Repository of retention policies (read by the purge).
        clock: Source of creation times (injected so tests can append in the past).
    """

    def __init__(self, entries: AuditEntryStore, policies: RetentionPolicyStore,
                 clock: Callable[[], dt.datetime] = utc_now) -> None:
        self._entries = entries
        self._policies = policies
        self._clock = clock

    async def append(self, entry: AuditEntry) -> AuditEntry:
        """Add ``entry`` at the head of its tenant's chain (a batch of one, see
        :meth:`append_batch`)."""
        return (await self.append_batch(entry.tenant, [entry]))[0]

    async def append_batch(self, tenant: str, entries: Sequence[AuditEntry]) -> list[AuditEntry]:
        """Add ``entries`` in order at the head of ``tenant``'s chain, in one transaction.

        An entry whose id is already stored with the same content is not appended again: the
        stored entry stands in for it, so resending after a lost acknowledgement is safe.

        Returns:
            The appended or stored entries, in the order of ``entries``.

        Raises:
            InvalidArgument: The batch is empty or too large, holds another tenant's entry or
                repeats an id. Nothing is appended.
            AlreadyExists: An id is taken by an entry with different content. Nothing is
                appended.
        """
        _check_batch(tenant, entries)
        async with self._entries.appending(tenant) as chain:
            stored = await chain.stored([e.id for e in entries])
            for entry in entries:
                found = stored.get(entry.id)
                if found is not None and not found.same_content(entry):
                    raise AlreadyExists(
                        f"audit entry {entry.id!r} already exists with different content",
                        reason="AUDIT_ENTRY_ALREADY_EXISTS", metadata={"id": entry.id})
            fresh = [e for e in entries if e.id not in stored]
            appended = await chain.insert(link(fresh, chain.head, self._clock()))
        by_id = stored | {e.id: e for e in appended}
        return [by_id[e.id] for e in entries]

    async def get(self, tenant: str, entry_id: str) -> AuditEntry:
        return await self._entries.get(tenant, entry_id)

    async def list(self, tenant: str, query: AuditQuery, page: PageRequest) -> Page[AuditEntry]:
        """Entries matching ``query``, newest (highest sequence) first."""
        return await self._entries.search(tenant, query, page)

    async def verify(self, tenant: str) -> ChainVerdict:
        """Walk ``tenant``'s chain from its purge checkpoint (or its first entry) and report
        the first broken link, or a chain that ends before its recorded head."""
        verdict = ChainVerdict(0)
        for _ in range(VERIFY_ATTEMPTS):
            start = await self._entries.checkpoint(tenant)
            head = await self._entries.head(tenant)
            verdict, _ = await self._walk(tenant, start, head=head)
            if verdict.valid or await self._entries.checkpoint(tenant) == start:
                return verdict
        return verdict

    async def purge(self, tenant: str, now: dt.datetime | None = None) -> PurgeResult:
        """Delete ``tenant``'s entries older than its retention policy allows (none when it
        keeps entries forever), recording the last purged entry as the chain's checkpoint.

        The purged part of the chain is verified first; when it is broken nothing is purged,
        so the evidence stays.
        """
        policy = await self._policies.find(tenant, RETENTION_POLICY_ID)
        if policy is None or policy.retain is None:
            return PurgeResult(tenant)
        return await self._purge(tenant, policy.retain, now or self._clock())

    async def purge_expired(self, now: dt.datetime | None = None) -> Sequence[PurgeResult]:
        """:meth:`purge` every tenant whose retention policy limits how long entries stay."""
        results: list[PurgeResult] = []
        for policy in await self._policies.limited():
            if policy.retain is not None:
                results.append(await self._purge(policy.tenant, policy.retain,
                                                 now or self._clock()))
        return results

    async def _purge(self, tenant: str, retain: dt.timedelta, now: dt.datetime) -> PurgeResult:
        start = await self._entries.checkpoint(tenant)
        if retain >= now - dt.datetime.min.replace(tzinfo=dt.UTC):  # older than any entry
            return PurgeResult(tenant, checkpoint=start)
        last = await self._entries.last_sequence_before(tenant, now - retain)
        if last <= start.sequence:
            return PurgeResult(tenant, checkpoint=start)
        verdict, end = await self._walk(tenant, start, stop=last)
        if not verdict.valid:
            return PurgeResult(tenant, checkpoint=start,
                               refused=f"entry {verdict.first_bad!r}: {verdict.reason}")
        if end.sequence != last:  # another purge deleted them meanwhile
            return PurgeResult(tenant, checkpoint=start)
        purged = await self._entries.purge(tenant, start, end)
        return PurgeResult(tenant, purged, end)

    async def _walk(self, tenant: str, start: ChainPosition, *, head: ChainPosition | None = None,
                    stop: int | None = None) -> tuple[ChainVerdict, ChainPosition]:
        """Check the links after ``start``, up to sequence ``stop`` or the end of the log.

        Args:
            tenant: Whose chain.
            start: The position verification starts after (trusted).
            head: The recorded chain head: the walk must reach it, with the same hash.
            stop: Last sequence to check.

        Returns:
            The verdict and the last position found intact.
        """
        checked, at = 0, start
        while True:
            # Intact entries so far end at ``at``, so the next batch starts after it.
            batch = await self._entries.chain(tenant, after_sequence=at.sequence,
                                              limit=VERIFY_BATCH)
            for entry in batch:
                if stop is not None and at.sequence >= stop:
                    return ChainVerdict(checked), at
                checked += 1
                reason = broken_link(entry, at.sequence + 1, at.hash)
                if (not reason and head is not None and entry.sequence == head.sequence
                        and entry.hash != head.hash):
                    reason = "hash differs from the chain head: the last entry was rewritten"
                if reason:
                    return ChainVerdict(checked, entry.id, reason), at
                at = ChainPosition(entry.sequence, entry.hash, entry.id)
            if len(batch) < VERIFY_BATCH:
                break
        if head is not None and at.sequence < head.sequence:
            return ChainVerdict(
                checked, head.entry_id,
                f"truncated: the log ends at sequence {at.sequence} but its recorded head is "
                f"at {head.sequence}: entries at its end were deleted"), at
        return ChainVerdict(checked), at


def _check_batch(tenant: str, entries: Sequence[AuditEntry]) -> None:
    if not entries or len(entries) > MAX_BATCH:
        raise InvalidArgument.for_field("requests", f"must hold 1 to {MAX_BATCH} entries")
    seen: set[str] = set()
    for i, entry in enumerate(entries):
        if entry.tenant != tenant:
            raise InvalidArgument.for_field(f"requests[{i}].parent",
                                            f"must be empty or tenants/{tenant}")
        if entry.id in seen:
            raise InvalidArgument.for_field(f"requests[{i}].audit_entry_id",
                                            "repeats an id used earlier in the batch")
        seen.add(entry.id)
