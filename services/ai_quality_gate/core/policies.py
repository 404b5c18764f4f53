"""``PolicyService``: creating, reading, changing and deleting quality policies."""

from __future__ import annotations

from collections.abc import Collection, Sequence

from services.ai_quality_gate.core.evaluation import RuleEvaluator
from services.ai_quality_gate.core.models import Policy, Rule
from shared.errors import FieldViolation, InvalidArgument
from shared.resources.standard import Resources
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


class PolicyService(Resources[Policy]):
    """Policies of every tenant, persisted through ``policies``; every rule's config is
    checked (compiled in ``evaluator``'s workers) whenever rules are stored.

    Args:
        policies: Repository of policies.
        evaluator: Compiles rules to check them.
    """

    updatable = UPDATABLE_FIELDS

    def __init__(self, policies: Store[Policy], evaluator: RuleEvaluator) -> None:
        super().__init__(policies)
        self._evaluator = evaluator

    async def check(self, resource: Policy, changed: Collection[str] | None) -> None:
        if changed is None or "rules" in changed:
            await check_rules(resource.rules, self._evaluator)
