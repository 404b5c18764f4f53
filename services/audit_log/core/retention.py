"""``RetentionPolicies``: how long each tenant's audit entries are kept."""

from __future__ import annotations

import dataclasses
import datetime as dt

from services.audit_log.core.models import RETENTION_POLICY_ID, RetentionPolicy
from services.audit_log.core.stores import RetentionPolicyStore
from shared.errors import Aborted, AlreadyExists, InvalidArgument

MIN_RETENTION = dt.timedelta(days=1)
# Far beyond any entry's age, and within what dates can hold: a cutoff ``now - retain`` and
# SQLite's storage of an interval (as a date after 1970) overflow a little further on.
MAX_RETENTION = dt.timedelta(days=365_250)  # 1000 years


class RetentionPolicies:
    """Each tenant's retention policy; a tenant that never set one keeps entries forever.

    Args:
        policies: Repository of stored policies.
    """

    def __init__(self, policies: RetentionPolicyStore) -> None:
        self._policies = policies

    async def get(self, tenant: str) -> RetentionPolicy:
        """The stored policy, or the default (``retain`` None: keep forever)."""
        stored = await self._policies.find(tenant, RETENTION_POLICY_ID)
        return stored or RetentionPolicy(tenant=tenant, id=RETENTION_POLICY_ID)

    async def update(self, tenant: str, retain: dt.timedelta, etag: str = "") -> RetentionPolicy:
        """Set how long ``tenant``'s entries are kept.

        Raises:
            InvalidArgument: ``retain`` is shorter than a day or longer than 1000 years.
            Aborted: ``etag`` is set and the policy changed since (or was never stored), or a
                concurrent update created the policy first.
        """
        if retain < MIN_RETENTION:
            raise InvalidArgument.for_field("retention_policy.retain", "must be at least 1 day")
        if retain > MAX_RETENTION:
            raise InvalidArgument.for_field("retention_policy.retain",
                                            "must be at most 1000 years")
        current = await self._policies.find(tenant, RETENTION_POLICY_ID)
        if current is not None:
            return await self._policies.update(dataclasses.replace(current, retain=retain), etag)
        if etag:
            raise Aborted("retention policy was changed concurrently (etag mismatch)",
                          reason="ETAG_MISMATCH")
        try:
            return await self._policies.create(
                RetentionPolicy(tenant=tenant, id=RETENTION_POLICY_ID, retain=retain))
        except AlreadyExists as error:
            raise Aborted("retention policy was created concurrently; read it and retry",
                          reason="ETAG_MISMATCH") from error
