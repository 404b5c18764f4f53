"""``PolicyService``: creating, reading, changing and deleting quality policies."""

from __future__ import annotations

import dataclasses
from collections.abc import Mapping, Sequence
from typing import Any

from services.ai_quality_gate.core.evaluation import RuleEvaluator
from services.ai_quality_gate.core.models import Policy, Rule
from shared.errors import FieldViolation, InvalidArgument
from shared.resources.filters import MATCH_ALL, Filter
from shared.resources.pages import Page, PageRequest
from shared.resources.store import Store

UPDATABLE_FIELDS = ("display_name", "rules", "mode")


async def check_rules(rules: Sequence[Rule], evaluator: RuleEvaluator,
                      field: str = "policy.rules") -> None:
    """Check that every rule's config fits its kind (see :mod:`.rules` for the formats),
    compiling them in ``evaluator``'s workers.

    Raises:
        InvalidArgument: Naming each bad ``<field>[i].config``.
    """
    violations = [FieldViolation(f"{field}[{p.index}].config", p.problem)
                  for p in await evaluator.check(rules)]
    if violations:
        summary = "; ".join(f"{v.field}: {v.description}" for v in violations)
        raise InvalidArgument(f"invalid rule config: {summary}", violations)


class PolicyService:
    """Policies of every tenant, persisted through ``policies``.

    Args:
        policies: Repository of policies.
        evaluator: Compiles rules to check them.
    """

    def __init__(self, policies: Store[Policy], evaluator: RuleEvaluator) -> None:
        self._policies = policies
        self._evaluator = evaluator

    async def create(self, policy: Policy) -> Policy:
        """Store a new policy.

        Raises:
            InvalidArgument: A rule's config does not fit its kind.
        """
        await check_rules(policy.rules, self._evaluator)
        return await self._policies.create(policy)

    async def get(self, tenant: str, policy_id: str) -> Policy:
        return await self._policies.get(tenant, policy_id)

    async def list(self, tenant: str, page: PageRequest,
                   matching: Filter = MATCH_ALL) -> Page[Policy]:
        """One page of the tenant's policies that ``matching`` selects, newest first."""
        return await self._policies.list_matching(tenant, page, matching)

    async def update(self, tenant: str, policy_id: str, changes: Mapping[str, Any],
                     etag: str = "") -> Policy:
        """Apply ``changes`` (a subset of UPDATABLE_FIELDS) to a policy.

        Raises:
            InvalidArgument: A new rule's config does not fit its kind.
        """
        if "rules" in changes:
            await check_rules(changes["rules"], self._evaluator)
        current = await self._policies.get(tenant, policy_id)
        return await self._policies.update(dataclasses.replace(current, **changes), etag)

    async def delete(self, tenant: str, policy_id: str) -> None:
        await self._policies.delete(tenant, policy_id)
