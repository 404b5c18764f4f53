"""``PolicyService``: creating, reading, changing and deleting quality policies, and choosing
the policy that judges an output."""

from __future__ import annotations

import dataclasses
from collections.abc import Collection, Mapping, Sequence
from typing import Any, Protocol

from services.ai_quality_gate.core.default_policy import default_policy
from services.ai_quality_gate.core.evaluation import RuleEvaluator
from services.ai_quality_gate.core.models import Action, Policy, Rule
from shared.errors import Aborted, FieldViolation, InvalidArgument
from shared.resources.standard import Resources
from shared.resources.store import Store

UPDATABLE_FIELDS = ("display_name", "rules", "mode", "agent_type", "on_failure",
                    "max_repair_rounds", "pass_score")
# Times an update without an etag is tried again when another update came in between.
_UPDATE_ATTEMPTS = 3


class PolicyStore(Store[Policy], Protocol):
    """Where policies are kept."""

    async def newest_for(self, tenant: str, agent_type: str) -> Policy | None:
        """The tenant's newest policy of ``agent_type``, else its newest with an empty
        agent_type, else None."""
        ...


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


async def applicable_policy(policies: PolicyStore, tenant: str, policy_id: str,
                            agent_type: str) -> Policy:
    """The policy that judges output of ``agent_type``: policy ``policy_id`` when given, else
    the tenant's newest for the agent type (or for any type), else the built-in default.

    Raises:
        NotFound: ``policy_id`` is given and the tenant has no such policy.
    """
    if policy_id:
        return await policies.get(tenant, policy_id)
    policies.check_tenant(tenant)
    return await policies.newest_for(tenant, agent_type) or default_policy(tenant)


class PolicyService(Resources[Policy]):
    """Policies of every tenant, persisted through ``policies``; every rule's config is
    checked (compiled in ``evaluator``'s workers) whenever rules are stored, and every update
    adds one to the policy's revision.

    Args:
        policies: Repository of policies.
        evaluator: Compiles rules to check them.
    """

    updatable = UPDATABLE_FIELDS

    def __init__(self, policies: Store[Policy], evaluator: RuleEvaluator) -> None:
        super().__init__(policies)
        self._evaluator = evaluator

    def prepared(self, resource: Policy) -> Policy:
        return dataclasses.replace(resource, revision=1)

    async def check(self, resource: Policy, changed: Collection[str] | None) -> None:
        if resource.on_failure is Action.ACCEPT:
            raise InvalidArgument.for_field("policy.on_failure",
                                            "must be ACTION_REJECT, ACTION_REPAIR or "
                                            "ACTION_ESCALATE")
        if changed is None or "rules" in changed:
            await check_rules(resource.rules, self._evaluator)

    async def update(self, tenant: str, id_: str, changes: Mapping[str, Any],
                     etag: str = "") -> Policy:
        """Apply ``changes`` and add one to the revision. The revision read is the one
        replaced (the update is conditional on the etag read), so concurrent updates never
        share a revision; without ``etag`` from the caller, an update that lost such a race
        is tried again.

        Raises:
            InvalidArgument: The changed policy breaks a rule.
            Aborted: ``etag`` is given and is not the policy's current one.
        """
        attempt = 1
        while True:
            current = await self._store.get(tenant, id_)
            if etag and etag != current.etag:
                raise Aborted(f"policy {id_!r} was changed concurrently (etag mismatch)",
                              reason="ETAG_MISMATCH")
            changed = dataclasses.replace(current, **changes, revision=current.revision + 1)
            await self.check(changed, frozenset(changes))
            try:
                return await self._store.update(changed, current.etag)
            except Aborted:
                if etag or attempt >= _UPDATE_ATTEMPTS:
                    raise
                attempt += 1
