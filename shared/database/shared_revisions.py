"""The revisions every service's migration history holds: the tables of the RPC boundary.

Each is defined once, here; a service places it in its own history with a one-line module in
``migrations/versions/`` (``revision, down_revision, upgrade, downgrade =
IDEMPOTENCY_KEYS.at("0002", after="0001")``), so the revision ids of existing databases stay
what they were. ``tests/unit/shared/test_shared_revisions.py`` checks every history holds
each of them once, in this order.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from shared.database import audit_outbox, idempotency

Step = Callable[[], None]


@dataclass(frozen=True)
class SharedRevision:
    """One schema change every service makes: its name and its two directions."""

    name: str
    upgrade: Step
    downgrade: Step

    def at(self, revision: str, *, after: str) -> tuple[str, str, Step, Step]:
        """The module attributes Alembic reads, for this change as ``revision`` after
        ``after`` in one service's history."""
        return revision, after, self.upgrade, self.downgrade


IDEMPOTENCY_KEYS = SharedRevision("idempotency keys of mutations (request_id)",
                                  idempotency.create_table, idempotency.drop_table)
AUDIT_OUTBOX = SharedRevision("audit outbox (entries waiting for delivery to audit-log)",
                              audit_outbox.create_table, audit_outbox.drop_table)
AUDIT_ON_BEHALF_OF = SharedRevision("whom a service acted for, with each audit entry waiting",
                                    audit_outbox.add_on_behalf_of, audit_outbox.drop_on_behalf_of)
SHARED_REVISIONS = (IDEMPOTENCY_KEYS, AUDIT_OUTBOX, AUDIT_ON_BEHALF_OF)
