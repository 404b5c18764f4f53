"""``PolicyService``: creating, reading, changing and deleting quality policies."""

from __future__ import annotations

import dataclasses
from collections.abc import Mapping, Sequence
from typing import Any

from services.ai_quality_gate.core.models import Policy, Rule
from services.ai_quality_gate.core.rules import RuleConfigError, compile_rule
from shared.database import Page, PageRequest, Repository
from shared.errors import FieldViolation, InvalidArgument

UPDATABLE_FIELDS = ("display_name", "rules", "mode")


def check_rules(rules: Sequence[Rule], field: str = "policy.rules") -> None:
    """Check that every rule's config fits its kind (see :mod:`.rules` for the formats).

    Raises:
        InvalidArgument: Naming each bad ``<field>[i].config``.
    """
    violations = [FieldViolation(f"{field}[{i}].config", problem)
                  for i, rule in enumerate(rules)
                  if (problem := config_problem(rule))]
    if violations:
        summary = "; ".join(f"{v.field}: {v.description}" for v in violations)
        raise InvalidArgument(f"invalid rule config: {summary}", violations)


def config_problem(rule: Rule) -> str:
    """Why ``rule``'s config does not fit its kind; empty when it does."""
    try:
        compile_rule(rule)
    except RuleConfigError as error:
        return str(error)
    return ""


class PolicyService:
    """Policies of every tenant, persisted through ``policies``.

    Args:
        policies: Repository of policies.
    """

    def __init__(self, policies: Repository[Policy]) -> None:
        self._policies = policies

    async def create(self, policy: Policy) -> Policy:
        """Store a new policy.

        Raises:
            InvalidArgument: A rule's config does not fit its kind.
        """
        check_rules(policy.rules)
        return await self._policies.create(policy)

    async def get(self, tenant: str, policy_id: str) -> Policy:
        return await self._policies.get(tenant, policy_id)

    async def list(self, tenant: str, page: PageRequest) -> Page[Policy]:
        return await self._policies.list(tenant, page)

    async def update(self, tenant: str, policy_id: str, changes: Mapping[str, Any],
                     etag: str = "") -> Policy:
        """Apply ``changes`` (a subset of UPDATABLE_FIELDS) to a policy.

        Raises:
            InvalidArgument: A new rule's config does not fit its kind.
        """
        if "rules" in changes:
            check_rules(changes["rules"])
        current = await self._policies.get(tenant, policy_id)
        return await self._policies.update(dataclasses.replace(current, **changes), etag)

    async def delete(self, tenant: str, policy_id: str) -> None:
        await self._policies.delete(tenant, policy_id)
