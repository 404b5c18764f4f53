"""``ValidationService``: checking output against a policy, and the record of every verdict.

The verdict is FAIL when a finding has ERROR severity and the policy enforces (ENFORCE, also
what an unset mode means); an AUDIT policy records the same findings with a PASS verdict, so
its rules can be tried on live traffic before they reject anything.
"""

from __future__ import annotations

from typing import Protocol

from services.ai_quality_gate.core.evaluation import Evaluation, RuleEvaluator
from services.ai_quality_gate.core.models import (
    Policy,
    PolicyMode,
    Severity,
    Validation,
    Verdict,
)
from shared.errors import FailedPrecondition, InvalidArgument
from shared.resources import names
from shared.resources.standard import Readable
from shared.resources.store import ReadStore, Store

MAX_CONTENT_BYTES = 1 << 20


class ValidationStore(ReadStore[Validation], Protocol):
    """Where validations are kept."""

    async def create(self, validation: Validation) -> Validation: ...


def _check_compiled(policy: Policy, evaluation: Evaluation) -> None:
    """Refuse a policy whose stored rules no longer compile.

    Raises:
        FailedPrecondition: A stored config no longer fits its kind (stored before configs
            were checked this strictly); the policy must be fixed with UpdatePolicy.
    """
    if evaluation.problems:
        first = evaluation.problems[0]
        raise FailedPrecondition(
            f"policy {policy.id!r} has an invalid config in rules[{first.index}] "
            f"({first.problem}); fix it with UpdatePolicy", reason="INVALID_POLICY",
            metadata={"policy": policy.id, "rule_index": str(first.index)})


class ValidationService(Readable[Validation]):
    """Checks output against the policies of every tenant and records each verdict.

    Args:
        policies: Repository of policies.
        validations: Where validations are kept.
        evaluator: Compiles and runs the rules, off the server's process.
    """

    def __init__(self, policies: Store[Policy], validations: ValidationStore,
                 evaluator: RuleEvaluator) -> None:
        super().__init__(validations)
        self._policies = policies
        self._validations = validations
        self._evaluator = evaluator

    async def validate(self, tenant: str, policy_id: str, content: str,
                       subject: str = "") -> Validation:
        """Check ``content`` against policy ``policy_id`` of ``tenant`` and record the verdict.

        The rules run in a worker process: a large output or a costly pattern does not stall
        the server's other calls.

        Raises:
            InvalidArgument: ``content`` is empty or larger than MAX_CONTENT_BYTES.
            NotFound: No such policy in this tenant (reason POLICY_NOT_FOUND).
            FailedPrecondition: A stored rule config no longer fits its kind.
            Unavailable: The evaluation workers stopped.
        """
        if not content:
            raise InvalidArgument.for_field("content", "must not be empty")
        if len(content.encode()) > MAX_CONTENT_BYTES:
            raise InvalidArgument.for_field("content", f"larger than {MAX_CONTENT_BYTES} bytes")
        policy = await self._policies.get(tenant, policy_id)
        evaluation = await self._evaluator.evaluate(policy.rules, content)
        _check_compiled(policy, evaluation)
        failed = any(f.severity is Severity.ERROR for f in evaluation.findings)
        verdict = Verdict.FAIL if failed and policy.mode is PolicyMode.ENFORCE else Verdict.PASS
        return await self._validations.create(Validation(
            tenant=tenant, id=names.new_id(), policy=policy.id, subject=subject,
            verdict=verdict, findings=evaluation.findings, score=evaluation.score,
            mode=policy.mode))
