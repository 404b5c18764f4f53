"""ValidationService against a real, migrated SQLite database: verdicts by mode, the stored
records, and what is refused."""

from __future__ import annotations

import pytest

from services.ai_quality_gate.convert import VALIDATION_FILTER
from services.ai_quality_gate.core.evaluation import RuleEvaluator
from services.ai_quality_gate.core.models import (
    Finding,
    Policy,
    PolicyMode,
    Rule,
    RuleKind,
    Severity,
    Submission,
    ValidationRequest,
    Verdict,
)
from services.ai_quality_gate.core.validations import ValidationService
from services.ai_quality_gate.repository import ValidationRepository, policy_repository
from shared.database import DatabaseConnection, PageRequest
from shared.errors import FailedPrecondition, InvalidArgument, NotFound
from tests.unit.ai_quality_gate.fakes import FakeCritic

RULES = [Rule(RuleKind.MAX_LENGTH, '{"max": 40}'),
         Rule(RuleKind.FORBIDDEN_PATTERNS, '{"patterns": ["(?i)lorem"]}')]
GOOD = "A short answer."
BAD = "Lorem ipsum dolor sit amet, consectetur adipiscing elit."


@pytest.fixture
async def service(db: DatabaseConnection, evaluator: RuleEvaluator) -> ValidationService:
    policies = policy_repository(db)
    for policy_id, mode in (("strict", PolicyMode.ENFORCE), ("trial", PolicyMode.AUDIT)):
        await policies.create(Policy(tenant="acme", id=policy_id, display_name=policy_id,
                                     rules=RULES, mode=mode))
    return ValidationService(policies, ValidationRepository(db), evaluator, FakeCritic())


def request(policy: str, content: str, subject: str = "") -> ValidationRequest:
    return ValidationRequest(Submission(content), policy=policy, subject=subject)


async def test_enforce_fails_output_with_error_findings(service: ValidationService) -> None:
    validation = await service.validate("acme", request("strict", BAD, "tenants/acme/tasks/t1"))

    assert validation.verdict is Verdict.FAIL
    assert validation.mode is PolicyMode.ENFORCE
    assert [f.rule_index for f in validation.findings] == [0, 1]
    assert validation.findings[0] == Finding(
        0, "output has 56 characters, more than the maximum 40", Severity.ERROR,
        RuleKind.MAX_LENGTH, "", "Shorten the answer to at most 40 characters.")
    assert "'(?i)lorem'" in validation.findings[1].message
    assert (validation.policy, validation.subject) == ("strict", "tenants/acme/tasks/t1")
    assert 0 < validation.score <= 1


async def test_enforce_passes_output_without_findings(service: ValidationService) -> None:
    validation = await service.validate("acme", request("strict", GOOD))

    assert (validation.verdict, validation.findings) == (Verdict.PASS, [])


async def test_audit_records_the_findings_but_passes(service: ValidationService) -> None:
    validation = await service.validate("acme", request("trial", BAD))

    assert validation.verdict is Verdict.PASS
    assert validation.mode is PolicyMode.AUDIT
    assert len(validation.findings) == 2


async def test_validations_are_stored_and_listed_newest_first(
        service: ValidationService) -> None:
    first = await service.validate("acme", request("strict", BAD, "s1"))
    second = await service.validate("acme", request("trial", BAD, "s2"))
    third = await service.validate("acme", request("strict", GOOD, "s2"))

    assert await service.get("acme", first.id) == first
    page = await service.list("acme", PageRequest(size=2))
    rest = await service.list("acme", PageRequest.of(2, page.next_page_token))
    assert [v.id for v in page.items + rest.items] == [third.id, second.id, first.id]
    assert rest.next_page_token == ""

    async def ids(text: str) -> list[str]:
        matching = VALIDATION_FILTER.parse(text, "acme")
        return [v.id for v in (await service.list("acme", PageRequest(), matching)).items]

    assert await ids("verdict = VERDICT_FAIL") == [first.id]
    assert await ids('policy = "tenants/acme/policies/strict"') == [third.id, first.id]
    assert await ids('subject = "s2" AND verdict = VERDICT_PASS') == [third.id, second.id]
    assert await ids('policy = "tenants/acme/policies/trial" AND subject = "s1"') == []


async def test_unknown_policy_or_tenant_is_not_found(service: ValidationService) -> None:
    with pytest.raises(NotFound) as missing:
        await service.validate("acme", request("nope", GOOD))
    assert missing.value.reason == "POLICY_NOT_FOUND"
    with pytest.raises(NotFound):
        await service.validate("other", request("strict", GOOD))
    with pytest.raises(NotFound) as no_validation:
        await service.get("acme", "nope")
    assert no_validation.value.reason == "VALIDATION_NOT_FOUND"


async def test_empty_content_is_refused_and_nothing_stored(service: ValidationService) -> None:
    with pytest.raises(InvalidArgument) as error:
        await service.validate("acme", request("strict", ""))

    assert [v.field for v in error.value.violations] == ["content"]
    assert (await service.list("acme", PageRequest())).items == []


async def test_a_stored_config_that_no_longer_fits_is_a_failed_precondition(
        db: DatabaseConnection, service: ValidationService) -> None:
    # Policies stored before configs were checked by kind may hold such configs.
    await policy_repository(db).create(Policy(
        tenant="acme", id="old", display_name="old",
        rules=[Rule(RuleKind.MAX_LENGTH, '{"max_chars": 10}')]))

    with pytest.raises(FailedPrecondition) as error:
        await service.validate("acme", request("old", GOOD))

    assert error.value.reason == "INVALID_POLICY"
    assert error.value.metadata == {"policy": "old", "rule_index": "0"}
