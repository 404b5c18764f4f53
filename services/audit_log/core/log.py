"""``AuditLog``: appending to, reading and verifying each tenant's hash-chained log."""

from __future__ import annotations

from typing import TYPE_CHECKING

from services.audit_log.core.chain import GENESIS_HASH, SequenceTaken, broken_link, link
from services.audit_log.core.models import AuditEntry, AuditQuery, ChainVerdict
from shared.database import Page, PageRequest
from shared.errors import Aborted

if TYPE_CHECKING:
    from services.audit_log.repository import AuditEntryRepository

# Each losing attempt means another append won, so this bounds the appends racing one call.
MAX_APPEND_ATTEMPTS = 100
VERIFY_BATCH = 500


class AuditLog:
    """The audit logs of every tenant, persisted through ``entries``.

    Args:
        entries: Repository of audit entries.
    """

    def __init__(self, entries: AuditEntryRepository) -> None:
        self._entries = entries

    async def append(self, entry: AuditEntry) -> AuditEntry:
        """Add ``entry`` at the head of its tenant's chain.

        Raises:
            AlreadyExists: The entry's id is taken.
            Aborted: Too many concurrent appends kept winning the next sequence number.
        """
        for _ in range(MAX_APPEND_ATTEMPTS):
            head = await self._entries.head(entry.tenant)
            try:
                return await self._entries.append(link(entry, head))
            except SequenceTaken:
                continue
        raise Aborted(f"audit log of {entry.tenant!r} is too busy, try again",
                      reason="CHAIN_CONTENDED")

    async def get(self, tenant: str, entry_id: str) -> AuditEntry:
        return await self._entries.get(tenant, entry_id)

    async def list(self, tenant: str, query: AuditQuery, page: PageRequest) -> Page[AuditEntry]:
        """Entries matching ``query``, newest (highest sequence) first."""
        return await self._entries.search(tenant, query, page)

    async def verify(self, tenant: str) -> ChainVerdict:
        """Walk ``tenant``'s chain from its first entry and report the first broken link."""
        checked, previous_hash = 0, GENESIS_HASH
        while True:
            # Intact entries so far hold sequences 1..checked, so the next batch starts after.
            batch = await self._entries.chain(tenant, after_sequence=checked, limit=VERIFY_BATCH)
            for entry in batch:
                checked += 1
                reason = broken_link(entry, checked, previous_hash)
                if reason:
                    return ChainVerdict(checked, entry.id, reason)
                previous_hash = entry.hash
            if len(batch) < VERIFY_BATCH:
                return ChainVerdict(checked)
