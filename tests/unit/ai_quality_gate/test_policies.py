"""PolicyService against a real, migrated SQLite database."""

from __future__ import annotations

import pytest

from services.ai_quality_gate.core.evaluation import RuleEvaluator
from services.ai_quality_gate.core.models import Policy, PolicyMode, Rule, RuleKind
from services.ai_quality_gate.core.policies import PolicyService, check_rules
from services.ai_quality_gate.repository import policy_repository
from shared.database import DatabaseConnection, PageRequest
from shared.errors import Aborted, AlreadyExists, InvalidArgument, NotFound

MAX_2000 = Rule(RuleKind.MAX_LENGTH, '{"max": 2000}')


def make_policy(policy_id: str = "p1", tenant: str = "acme", **fields: object) -> Policy:
    values: dict[str, object] = {"display_name": "Short answers", "rules": [MAX_2000]}
    values.update(fields)
    return Policy(tenant=tenant, id=policy_id, **values)  # type: ignore[arg-type]


@pytest.fixture
def service(db: DatabaseConnection, evaluator: RuleEvaluator) -> PolicyService:
    return PolicyService(policy_repository(db), evaluator)


async def test_check_rules_names_every_bad_config(evaluator: RuleEvaluator) -> None:
    rules = [MAX_2000, Rule(RuleKind.MIN_SCORE, "{min: 1"), Rule(RuleKind.JSON_SCHEMA, "[1]")]

    with pytest.raises(InvalidArgument) as error:
        await check_rules(rules, evaluator)

    assert [v.field for v in error.value.violations] == ["policy.rules[1].config",
                                                         "policy.rules[2].config"]
    assert "JSON object" in error.value.violations[1].description


@pytest.mark.parametrize(("kind", "config", "problem"), [
    (RuleKind.MAX_LENGTH, "{}", "missing `max`"),
    (RuleKind.MAX_LENGTH, '{"max_chars": 10}', "unknown key `max_chars`"),
    (RuleKind.JSON_SCHEMA, '{"type": "text"}', "$.type"),
    (RuleKind.REQUIRED_KEYWORDS, '{"keywords": []}', "non-empty list"),
    (RuleKind.FORBIDDEN_PATTERNS, '{"patterns": ["[a-"]}', "not valid RE2 syntax"),
    (RuleKind.FORBIDDEN_PATTERNS, '{"patterns": ["(a)\\\\1"]}', "backreferences"),
    (RuleKind.FORBIDDEN_PATTERNS, '{"patterns": ["a(?=b)"]}', "lookaround"),
    (RuleKind.JSON_SCHEMA, '{"pattern": "(?<!a)b"}', "$.pattern: lookaround"),
    (RuleKind.MIN_SCORE, '{"min": 7}', "number from 0 to 1"),
])
async def test_create_refuses_a_config_that_does_not_fit_its_kind(
        service: PolicyService, kind: RuleKind, config: str, problem: str) -> None:
    with pytest.raises(InvalidArgument) as error:
        await service.create(make_policy(rules=[MAX_2000, Rule(kind, config)]))

    [violation] = error.value.violations
    assert violation.field == "policy.rules[1].config"
    assert problem in violation.description
    with pytest.raises(NotFound):
        await service.get("acme", "p1")


async def test_create_stores_rules_in_order(service: PolicyService) -> None:
    keywords = Rule(RuleKind.REQUIRED_KEYWORDS, '{"keywords": ["sources"]}')

    created = await service.create(make_policy(rules=[MAX_2000, keywords],
                                               mode=PolicyMode.AUDIT))

    stored = await service.get("acme", "p1")
    assert stored == created
    assert stored.rules == [MAX_2000, keywords]
    assert stored.mode is PolicyMode.AUDIT


async def test_create_refuses_bad_config_and_stores_nothing(service: PolicyService) -> None:
    with pytest.raises(InvalidArgument) as error:
        await service.create(make_policy(rules=[Rule(RuleKind.MAX_LENGTH, "not json")]))

    assert error.value.violations[0].field == "policy.rules[0].config"
    with pytest.raises(NotFound):
        await service.get("acme", "p1")


async def test_create_refuses_a_taken_id(service: PolicyService) -> None:
    await service.create(make_policy())

    with pytest.raises(AlreadyExists):
        await service.create(make_policy())


async def test_list_pages_newest_first_within_the_tenant(service: PolicyService) -> None:
    for policy_id in ("p1", "p2", "p3"):
        await service.create(make_policy(policy_id))
    await service.create(make_policy("q1", tenant="other"))

    first = await service.list("acme", PageRequest(size=2))
    rest = await service.list("acme", PageRequest.of(2, first.next_page_token))

    assert [p.id for p in first.items] == ["p3", "p2"]
    assert [p.id for p in rest.items] == ["p1"]
    assert rest.next_page_token == ""


async def test_update_checks_new_rules_and_the_etag(service: PolicyService) -> None:
    created = await service.create(make_policy())

    with pytest.raises(InvalidArgument) as error:
        await service.update("acme", "p1", {"rules": [MAX_2000, Rule(RuleKind.MIN_SCORE, "")]})
    assert error.value.violations[0].field == "policy.rules[1].config"

    updated = await service.update("acme", "p1", {"rules": [], "mode": PolicyMode.AUDIT},
                                   created.etag)
    assert (updated.rules, updated.mode) == ([], PolicyMode.AUDIT)
    assert updated.display_name == created.display_name
    with pytest.raises(Aborted):
        await service.update("acme", "p1", {"display_name": "x"}, created.etag)


async def test_delete_then_get_is_not_found(service: PolicyService) -> None:
    await service.create(make_policy())

    await service.delete("acme", "p1")

    with pytest.raises(NotFound):
        await service.get("acme", "p1")
    with pytest.raises(NotFound):
        await service.get("other", "p1")
