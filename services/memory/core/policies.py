"""``LifecyclePolicies``: the rules namespaces name for keeping, fading and compressing their
memories."""

from __future__ import annotations

import datetime as dt
from collections.abc import Collection
from typing import Protocol

from services.memory.core.models import LifecyclePolicy
from shared.errors import FieldViolation, InvalidArgument
from shared.resources.standard import Resources

UPDATABLE_FIELDS = ("ttl", "max_memories", "decay", "min_importance", "archive_after",
                    "summarize_after", "merge_similarity")
# Far beyond any memory's age, and within what dates can hold (a creation time plus a ttl,
# SQLite's storage of an interval as a date after 1970).
MAX_DURATION = dt.timedelta(days=365_250)  # 1000 years
_DURATIONS = ("ttl", "archive_after", "summarize_after")
_FRACTIONS = ("decay", "min_importance", "merge_similarity")


class PolicyLookup(Protocol):
    """Finds a tenant's lifecycle policy by id."""

    async def get(self, tenant: str, id_: str) -> LifecyclePolicy: ...


class LifecyclePolicies(Resources[LifecyclePolicy]):
    """Lifecycle policies of every tenant (create, get, list newest first, update)."""

    updatable = UPDATABLE_FIELDS

    async def check(self, resource: LifecyclePolicy, changed: Collection[str] | None) -> None:
        """Durations positive and at most 1000 years, fractions within 0..1, a cap not
        negative.

        Raises:
            InvalidArgument: Naming each field that breaks a rule.
        """
        violations: list[tuple[str, str]] = []
        for name in _DURATIONS:
            value: dt.timedelta | None = getattr(resource, name)
            if value is not None and not dt.timedelta(0) < value <= MAX_DURATION:
                violations.append((name, "must be positive and at most 1000 years"))
        for name in _FRACTIONS:
            if not 0.0 <= getattr(resource, name) <= 1.0:
                violations.append((name, "must be within 0..1"))
        if resource.max_memories < 0:
            violations.append(("max_memories", "must not be negative"))
        if violations:
            fields = [FieldViolation(f"lifecycle_policy.{name}", why) for name, why in violations]
            raise InvalidArgument(f"invalid {', '.join(f.field for f in fields)}", fields)
