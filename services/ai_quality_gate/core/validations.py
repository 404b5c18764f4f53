"""``ValidationService``: judging output against a policy, the record of every judgement, and
the quality metrics summed from the records.

The local rules run in a worker process (:mod:`.evaluation`); a CROSS_CHECK rule then asks a
second model through the :class:`~.ports.Critic` port; :mod:`.judgement` turns the findings
into the score, verdict and action. Every validation is stored, the content itself is not.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
from typing import Protocol

from services.ai_quality_gate.core.cross_check import CrossCheckConfig, cross_check
from services.ai_quality_gate.core.evaluation import Evaluation, RuleEvaluator
from services.ai_quality_gate.core.findings import RuleKind
from services.ai_quality_gate.core.judgement import judge
from services.ai_quality_gate.core.models import (
    Finding,
    Policy,
    QualityMetrics,
    Validation,
    ValidationRequest,
    Verification,
)
from services.ai_quality_gate.core.policies import PolicyStore, applicable_policy
from services.ai_quality_gate.core.ports import Critic
from shared.errors import FailedPrecondition, InvalidArgument
from shared.resources import names
from shared.resources.standard import Readable
from shared.resources.store import ReadStore
from shared.values.documents import parse_json
from shared.values.json_schema import schema_problems

MAX_CONTENT_BYTES = 1 << 20


class ValidationStore(ReadStore[Validation], Protocol):
    """Where validations are kept."""

    async def create(self, validation: Validation) -> Validation: ...

    async def metrics(self, tenant: str, agent_type: str, prompt_version: str,
                      start: dt.datetime | None, end: dt.datetime | None
                      ) -> list[QualityMetrics]:
        """The tenant's validations in [start, end) summed per agent type and prompt version
        (only ``agent_type`` and ``prompt_version`` when not empty), ordered by both."""
        ...


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


def check_request(request: ValidationRequest) -> None:
    """Refuse what cannot be judged.

    Raises:
        InvalidArgument: Empty or too large content, or an output schema that is not a JSON
            Schema.
    """
    content = request.submission.content
    if not content:
        raise InvalidArgument.for_field("content", "must not be empty")
    if len(content.encode()) > MAX_CONTENT_BYTES:
        raise InvalidArgument.for_field("content", f"larger than {MAX_CONTENT_BYTES} bytes")
    schema_text = request.submission.output_schema
    if schema_text:
        try:
            schema = parse_json(schema_text)
        except ValueError as error:
            raise InvalidArgument.for_field("output_schema",
                                            f"not valid JSON ({error})") from error
        problems = schema_problems(schema)
        if problems:
            raise InvalidArgument.for_field(
                "output_schema", f"not a valid JSON Schema: {'; '.join(problems[:5])}")


class ValidationService(Readable[Validation]):
    """Judges output against the policies of every tenant and records each judgement.

    Args:
        policies: Repository of policies.
        validations: Where validations are kept.
        evaluator: Compiles and runs the rules, off the server's process.
        critic: The second model of CROSS_CHECK rules.
    """

    def __init__(self, policies: PolicyStore, validations: ValidationStore,
                 evaluator: RuleEvaluator, critic: Critic) -> None:
        super().__init__(validations)
        self._policies = policies
        self._validations = validations
        self._evaluator = evaluator
        self._critic = critic

    async def validate(self, tenant: str, request: ValidationRequest) -> Validation:
        """Judge ``request``'s output against its policy (see :func:`.applicable_policy`) and
        record the judgement.

        The rules run in a worker process: a large output or a costly pattern does not stall
        the server's other calls.

        Raises:
            InvalidArgument: Empty or too large content, or a bad output schema.
            NotFound: The named policy is not the tenant's (reason POLICY_NOT_FOUND).
            FailedPrecondition: A stored rule config no longer fits its kind.
            Unavailable: The evaluation workers stopped.
        """
        check_request(request)
        policy = await applicable_policy(self._policies, tenant, request.policy,
                                         request.agent_type)
        evaluation = await self._evaluator.evaluate(policy.rules, request.submission)
        _check_compiled(policy, evaluation)
        verification, findings = await self._cross_check(tenant, policy, request, evaluation)
        judgement = judge(policy, findings, request.round)
        validation = await self._validations.create(Validation(
            tenant=tenant, id=names.new_id(), policy=policy.id, subject=request.subject,
            verdict=judgement.verdict, findings=findings, score=judgement.score,
            mode=policy.mode, action=judgement.action, agent_type=request.agent_type,
            prompt_version=request.prompt_version, round=request.round,
            policy_revision=policy.revision, content_quality=evaluation.quality,
            verification=verification))
        return dataclasses.replace(validation, redacted_content=evaluation.redacted)

    async def _cross_check(self, tenant: str, policy: Policy, request: ValidationRequest,
                           evaluation: Evaluation
                           ) -> tuple[Verification | None, list[Finding]]:
        """The findings of every rule, in rule order, those of CROSS_CHECK rules asked of the
        critic (with the redacted content: no secret goes to another model); the verdict of
        the last one."""
        findings = list(evaluation.findings)
        verification = None
        content = evaluation.redacted or request.submission.content
        for index, rule in enumerate(policy.rules):
            if rule.kind is RuleKind.CROSS_CHECK:
                verdict, found = await cross_check(
                    self._critic, CrossCheckConfig.parse(rule.config), index, tenant,
                    request.task_description, content)
                verification = verdict or verification
                findings += found
        findings.sort(key=lambda f: f.rule_index)
        return verification, findings

    async def metrics(self, tenant: str, agent_type: str = "", prompt_version: str = "",
                      start: dt.datetime | None = None, end: dt.datetime | None = None
                      ) -> list[QualityMetrics]:
        """The tenant's validations in [start, end) summed per agent type and prompt version.

        Raises:
            InvalidArgument: ``start`` is after ``end``.
        """
        names.check_tenant_access(tenant)
        if start is not None and end is not None and start > end:
            raise InvalidArgument.for_field("start_time", "must not be after end_time")
        return await self._validations.metrics(tenant, agent_type, prompt_version, start, end)
