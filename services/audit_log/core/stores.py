"""What the audit log's domain asks of its storage (the service's repository provides it)."""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from contextlib import AbstractAsyncContextManager
from typing import Protocol

from services.audit_log.core.models import (
    AuditEntry,
    AuditQuery,
    ChainPosition,
    RetentionPolicy,
)
from shared.resources.pages import Page, PageRequest


class LockedChain(Protocol):
    """One append transaction on a tenant's chain, with its head locked until commit.

    Attributes:
        head: The tenant's chain head when the lock was taken.
    """

    head: ChainPosition

    async def stored(self, ids: Sequence[str]) -> dict[str, AuditEntry]:
        """The tenant's entries among ``ids``, by id."""
        ...

    async def insert(self, linked: Sequence[AuditEntry]) -> list[AuditEntry]:
        """Insert entries linked after :attr:`head` and move the head.

        Raises:
            Aborted: An entry's id or sequence is taken (the head was out of step).
        """
        ...


class AuditEntryStore(Protocol):
    """Audit entries and each tenant's chain head and purge checkpoint."""

    def appending(self, tenant: str) -> AbstractAsyncContextManager[LockedChain]:
        """A transaction holding ``tenant``'s chain head locked; committed when the block
        ends, rolled back when it raises."""
        ...

    async def get(self, tenant: str, id_: str) -> AuditEntry: ...

    async def search(self, tenant: str, query: AuditQuery,
                     page: PageRequest) -> Page[AuditEntry]: ...

    async def head(self, tenant: str) -> ChainPosition:
        """``tenant``'s chain head, or the genesis position when it has no entries yet."""
        ...

    async def checkpoint(self, tenant: str) -> ChainPosition:
        """The last purged entry of ``tenant``, or the genesis position when none was."""
        ...

    async def last_sequence_before(self, tenant: str, cutoff: dt.datetime) -> int:
        """The highest sequence of ``tenant``'s entries created before ``cutoff`` (0: none)."""
        ...

    async def purge(self, tenant: str, expected: ChainPosition, upto: ChainPosition) -> int:
        """Delete ``tenant``'s entries up to ``upto`` and make it the checkpoint, unless
        another purge moved the checkpoint away from ``expected`` first; how many were
        deleted (0 when another purge won)."""
        ...

    async def chain(self, tenant: str, after_sequence: int, limit: int
                    ) -> Sequence[AuditEntry]:
        """Up to ``limit`` entries of ``tenant`` after ``after_sequence``, in sequence
        order."""
        ...


class RetentionPolicyStore(Protocol):
    """Each tenant's stored retention policy (at most one)."""

    async def find(self, tenant: str, policy_id: str) -> RetentionPolicy | None:
        """The stored policy, or None when the tenant never set one."""
        ...

    async def limited(self) -> list[RetentionPolicy]:
        """Every stored policy (all of which limit retention), by tenant."""
        ...

    async def create(self, entity: RetentionPolicy) -> RetentionPolicy: ...

    async def update(self, entity: RetentionPolicy, expected_etag: str = ""
                     ) -> RetentionPolicy: ...
