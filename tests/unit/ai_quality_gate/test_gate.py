"""The gate end to end below the RPC layer, on a real database: the policy that applies (named,
per agent type, the built-in default), policy changes by data alone, repair rounds, the
cross-check through a fake critic, what is refused, and the quality metrics."""

from __future__ import annotations

import dataclasses
import datetime as dt
import json

import pytest

from services.ai_quality_gate.core.evaluation import RuleEvaluator
from services.ai_quality_gate.core.models import (
    Action,
    Policy,
    PolicyMode,
    QualityMetrics,
    Rule,
    RuleKind,
    Severity,
    Submission,
    Validation,
    ValidationRequest,
    Verdict,
    Verification,
)
from services.ai_quality_gate.core.policies import PolicyService
from services.ai_quality_gate.core.ports import CriticError
from services.ai_quality_gate.core.validations import ValidationService
from services.ai_quality_gate.repository import ValidationRepository, policy_repository
from shared.database import DatabaseConnection, PageRequest
from shared.errors import InvalidArgument
from tests.unit.ai_quality_gate.fakes import FakeCritic

AWS = "AKIAIOSFODNN7EXAMPLE"
SCHEMA = json.dumps({"type": "object", "required": ["summary"],
                     "properties": {"summary": {"type": "string"}}})
GOOD = json.dumps({"summary": "The nightly backup finished at 02:14 and was verified."})
LEAKY = json.dumps({"summary": f"Backup done; the upload used key {AWS}."})
REFUSAL = "I'm sorry, but I cannot help with that."


@dataclasses.dataclass
class Gate:
    policies: PolicyService
    validations: ValidationService
    critic: FakeCritic

    async def validate(self, content: str, tenant: str = "acme", **fields: object
                       ) -> Validation:
        submission = Submission(content, **{k: fields.pop(k) for k in (
            "output_schema", "known_tools", "tools_used") if k in fields})  # type: ignore[arg-type]
        return await self.validations.validate(
            tenant, ValidationRequest(submission, **fields))  # type: ignore[arg-type]

    async def policy(self, policy_id: str, *rules: Rule, tenant: str = "acme",
                     **fields: object) -> Policy:
        return await self.policies.create(Policy(
            tenant=tenant, id=policy_id, display_name=policy_id, rules=list(rules),
            **fields))  # type: ignore[arg-type]


@pytest.fixture
def gate(db: DatabaseConnection, evaluator: RuleEvaluator) -> Gate:
    policies = policy_repository(db)
    critic = FakeCritic()
    return Gate(PolicyService(policies, evaluator),
                ValidationService(policies, ValidationRepository(db), evaluator, critic), critic)


async def test_without_a_policy_the_default_policy_judges(gate: Gate) -> None:
    validation = await gate.validate(LEAKY, agent_type="executor", prompt_version="executor/v2",
                                     output_schema=SCHEMA, subject="tenants/acme/tasks/t1")

    assert validation.policy == ""
    assert [(f.kind, f.category) for f in validation.findings] == [
        (RuleKind.SECRETS, "aws-access-key")]
    assert (validation.verdict, validation.action, validation.score) == (
        Verdict.FAIL, Action.REPAIR, 0.6)
    assert validation.redacted_content == (
        '{"summary": "Backup done; the upload used key [REDACTED:aws-access-key]."}')
    assert validation.feedback.startswith("- Remove the AWS access key")
    assert validation.reasons == [
        "output contains 1 AWS access key (at character 46)"]
    assert (validation.agent_type, validation.prompt_version, validation.round,
            validation.policy_revision) == ("executor", "executor/v2", 0, 1)

    stored = await gate.validations.get("acme", validation.id)
    assert stored.redacted_content == ""  # the gate keeps no content
    assert stored == dataclasses.replace(validation, redacted_content="")


async def test_the_default_policy_checks_the_output_schema_refusals_and_claimed_tools(
        gate: Gate) -> None:
    not_summary = await gate.validate('{"title": "x"}', output_schema=SCHEMA)
    assert [f.kind for f in not_summary.findings] == [RuleKind.OUTPUT_SCHEMA]
    refusal = await gate.validate(REFUSAL)
    assert [f.kind for f in refusal.findings] == [RuleKind.REFUSAL]
    claimed = await gate.validate("I ran execute_python: 42.", known_tools=("execute_python",))
    assert [f.kind for f in claimed.findings] == [RuleKind.CLAIMED_TOOLS]
    good = await gate.validate(GOOD, output_schema=SCHEMA)
    assert (good.verdict, good.action, good.score, good.findings) == (
        Verdict.PASS, Action.ACCEPT, 1.0, [])


async def test_the_policy_of_the_agent_type_applies(gate: Gate) -> None:
    keywords = Rule(RuleKind.REQUIRED_KEYWORDS, '{"keywords": ["sources"]}')
    await gate.policy("any", keywords)
    await gate.policy("executor-old", Rule(RuleKind.MAX_LENGTH, '{"max": 5}'),
                      agent_type="executor")
    await gate.policy("executor-new", Rule(RuleKind.REFUSAL, ""), agent_type="executor")
    await gate.policy("theirs", Rule(RuleKind.MAX_LENGTH, '{"max": 1}'), tenant="other",
                      agent_type="planner")

    executor = await gate.validate(GOOD, agent_type="executor")
    planner = await gate.validate(GOOD, agent_type="planner")
    untyped = await gate.validate(GOOD)
    named = await gate.validate(GOOD, agent_type="executor", policy="executor-old")
    other_tenant = await gate.validate(GOOD, tenant="third", agent_type="planner")

    assert executor.policy == "executor-new"
    assert (planner.policy, untyped.policy) == ("any", "any")
    assert named.policy == "executor-old"
    assert other_tenant.policy == ""


async def test_a_policy_change_by_data_changes_the_outcome(gate: Gate) -> None:
    created = await gate.policy("executor", Rule(RuleKind.REFUSAL, ""), agent_type="executor")
    assert created.revision == 1

    before = await gate.validate(REFUSAL, agent_type="executor")
    assert (before.action, before.policy_revision) == (Action.REPAIR, 1)

    updated = await gate.policies.update("acme", "executor", {"on_failure": Action.REJECT})
    assert updated.revision == 2
    rejected = await gate.validate(REFUSAL, agent_type="executor")
    assert (rejected.action, rejected.policy_revision) == (Action.REJECT, 2)

    await gate.policies.update("acme", "executor", {"mode": PolicyMode.AUDIT})
    audited = await gate.validate(REFUSAL, agent_type="executor")
    assert (audited.verdict, audited.action, audited.policy_revision) == (
        Verdict.PASS, Action.ACCEPT, 3)
    assert audited.findings

    await gate.policies.update("acme", "executor", {
        "mode": PolicyMode.ENFORCE,
        "rules": [Rule(RuleKind.REFUSAL, '{"severity": "WARNING"}')], "pass_score": 0.95})
    warned = await gate.validate(REFUSAL, agent_type="executor")
    assert (warned.score, warned.verdict) == (0.9, Verdict.FAIL)
    assert warned.findings[0].severity is Severity.WARNING
    assert (await gate.policies.get("acme", "executor")).revision == 4


async def test_repair_rounds_end_in_escalation(gate: Gate) -> None:
    actions = [(await gate.validate(LEAKY, round=r)).action for r in range(4)]
    assert actions == [Action.REPAIR, Action.REPAIR, Action.ESCALATE, Action.ESCALATE]


async def test_cross_check_agreement_is_recorded(gate: Gate) -> None:
    await gate.policy("checked", Rule(RuleKind.SECRETS, ""),
                      Rule(RuleKind.CROSS_CHECK, '{"role": "reviewer"}'))

    validation = await gate.validate(LEAKY, policy="checked",
                                     task_description="Back up the database.")

    assert validation.verification == Verification(
        "reviewer", "fake-model", True, 0.9, (), "tenants/acme/completions/c1")
    [question] = gate.critic.questions
    assert (question.tenant, question.role, question.task) == (
        "acme", "reviewer", "Back up the database.")
    assert AWS not in question.output and "[REDACTED:aws-access-key]" in question.output
    assert [f.kind for f in validation.findings] == [RuleKind.SECRETS]
    stored = await gate.validations.get("acme", validation.id)
    assert stored.verification == validation.verification


async def test_cross_check_disagreement_is_a_finding(gate: Gate) -> None:
    await gate.policy("checked", Rule(RuleKind.CROSS_CHECK, ""))
    gate.critic.verdict = Verification("critic", "judge-1", False, 0.2,
                                       ("it lists files instead of backing up",))

    validation = await gate.validate(GOOD, policy="checked", task_description="Back up.")

    assert validation.verification is not None and validation.verification.agrees is False
    [finding] = validation.findings
    assert (finding.rule_index, finding.kind) == (0, RuleKind.CROSS_CHECK)
    assert "does not answer the task: it lists files instead of backing up" in finding.message
    assert (validation.verdict, validation.action) == (Verdict.FAIL, Action.REPAIR)
    assert "it lists files instead of backing up" in validation.feedback


async def test_cross_check_low_score_is_a_finding(gate: Gate) -> None:
    await gate.policy("checked", Rule(RuleKind.CROSS_CHECK, '{"min_score": 0.8}'))
    gate.critic.verdict = Verification("critic", "judge-1", True, 0.5, ("thin",))
    [finding] = (await gate.validate(GOOD, policy="checked")).findings
    assert "below the minimum 0.8" in finding.message


async def test_an_unreachable_critic_is_no_pass(gate: Gate) -> None:
    await gate.policy("checked", Rule(RuleKind.CROSS_CHECK, ""))
    gate.critic.error = CriticError("the AI runtime answered UNAVAILABLE (PEER_UNAVAILABLE)")

    validation = await gate.validate(GOOD, policy="checked")

    assert validation.verification is None
    [finding] = validation.findings
    assert "could not run" in finding.message and "UNAVAILABLE" in finding.message
    assert (validation.verdict, validation.action) == (Verdict.FAIL, Action.ESCALATE)
    assert validation.feedback == ""


@pytest.mark.parametrize(("schema", "problem"), [
    ("{oops", "not valid JSON"),
    ("[1]", "a schema must be a JSON object"),
    ('{"type": "text"}', "not a valid JSON Schema: $.type"),
])
async def test_a_bad_output_schema_names_the_field_and_stores_nothing(
        gate: Gate, schema: str, problem: str) -> None:
    with pytest.raises(InvalidArgument) as error:
        await gate.validate(GOOD, output_schema=schema)

    [violation] = error.value.violations
    assert violation.field == "output_schema" and problem in violation.description
    assert (await gate.validations.list("acme", PageRequest())).items == []


@pytest.mark.parametrize(("rule", "problem"), [
    (Rule(RuleKind.PII, '{"kinds": ["name"]}'), "unknown kind 'name'"),
    (Rule(RuleKind.SECRETS, '{"redact": 1}'), "true or false"),
    (Rule(RuleKind.REFUSAL, "[]"), "JSON object"),
    (Rule(RuleKind.CLAIMED_TOOLS, '{"tools": []}'), "unknown key `tools`"),
    (Rule(RuleKind.CROSS_CHECK, '{"role": ""}'), "agent role"),
    (Rule(RuleKind.OUTPUT_SCHEMA, '{"severity": "LOW"}'), "ERROR, WARNING, INFO"),
])
async def test_a_bad_config_of_a_new_rule_kind_names_the_field(gate: Gate, rule: Rule,
                                                               problem: str) -> None:
    with pytest.raises(InvalidArgument) as error:
        await gate.policy("p", Rule(RuleKind.SECRETS, ""), rule)

    [violation] = error.value.violations
    assert violation.field == "policy.rules[1].config" and problem in violation.description


async def test_accept_is_no_on_failure(gate: Gate) -> None:
    with pytest.raises(InvalidArgument) as error:
        await gate.policy("p", on_failure=Action.ACCEPT)
    assert [v.field for v in error.value.violations] == ["policy.on_failure"]


async def test_metrics_per_agent_type_and_prompt_version(gate: Gate) -> None:
    await gate.validate(GOOD, agent_type="executor", prompt_version="executor/v1")
    await gate.validate(LEAKY, agent_type="executor", prompt_version="executor/v1")
    await gate.validate(LEAKY, agent_type="executor", prompt_version="executor/v1", round=2)
    await gate.validate(GOOD, agent_type="executor", prompt_version="executor/v2")
    await gate.policy("strict", Rule(RuleKind.REFUSAL, ""), agent_type="planner",
                      on_failure=Action.REJECT)
    await gate.validate(REFUSAL, agent_type="planner", prompt_version="planner/v1")
    await gate.validate(GOOD, agent_type="executor", prompt_version="executor/v1",
                        tenant="other")

    rows = await gate.validations.metrics("acme")

    assert rows[0].mean_score == pytest.approx((1 + 0.6 + 0.6) / 3)
    assert [dataclasses.replace(rows[0], mean_score=0.0), *rows[1:]] == [
        QualityMetrics("executor", "executor/v1", 3, 1, 0.0, 1, 1, 0),
        QualityMetrics("executor", "executor/v2", 1, 1, 1.0, 0, 0, 0),
        QualityMetrics("planner", "planner/v1", 1, 0, 0.6, 0, 0, 1),
    ]
    assert [r.prompt_version for r in await gate.validations.metrics(
        "acme", agent_type="executor")] == ["executor/v1", "executor/v2"]
    assert [r.agent_type for r in await gate.validations.metrics(
        "acme", prompt_version="planner/v1")] == ["planner"]
    later = dt.datetime.now(dt.UTC) + dt.timedelta(hours=1)
    assert await gate.validations.metrics("acme", start=later) == []
    assert len(await gate.validations.metrics("acme", end=later)) == 3
    with pytest.raises(InvalidArgument) as error:
        await gate.validations.metrics("acme", start=later, end=later - dt.timedelta(1))
    assert [v.field for v in error.value.violations] == ["start_time"]
