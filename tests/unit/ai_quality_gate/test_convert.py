"""Parsing ValidateOutput's policy name and the List filters."""

from __future__ import annotations

import pytest

from services.ai_quality_gate.convert import POLICY_FILTER, VALIDATION_FILTER, policy_id_of
from services.ai_quality_gate.core.models import PolicyMode, Verdict
from shared.errors import InvalidArgument, NotFound


def test_policy_id_of_a_policy_of_the_tenant() -> None:
    assert policy_id_of("acme", "tenants/acme/policies/p1") == "p1"


def test_policy_of_another_tenant_is_not_found() -> None:
    with pytest.raises(NotFound) as error:
        policy_id_of("acme", "tenants/other/policies/p1")
    assert error.value.reason == "POLICY_NOT_FOUND"


def test_malformed_policy_names_the_field() -> None:
    with pytest.raises(InvalidArgument) as error:
        policy_id_of("acme", "p1")
    assert [v.field for v in error.value.violations] == ["policy"]


def test_filter_terms_joined_by_and() -> None:
    assert VALIDATION_FILTER.parse("", "acme").terms == ()
    parsed = VALIDATION_FILTER.parse(
        'verdict = VERDICT_FAIL AND policy = "tenants/acme/policies/p1" AND '
        'subject="tenants/acme/tasks/t \\"1\\""', "acme")
    assert {t.field: t.value for t in parsed.terms} == {
        "verdict": Verdict.FAIL, "policy": "p1", "subject": 'tenants/acme/tasks/t "1"'}
    assert POLICY_FILTER.parse("mode != POLICY_MODE_AUDIT", "acme").terms[0].value is (
        PolicyMode.AUDIT)


@pytest.mark.parametrize("text", [
    "verdict = FAIL",
    "verdict = VERDICT_UNSPECIFIED",
    'verdict = "VERDICT_FAIL"',
    "subject = VERDICT_FAIL",
    'policy = "tenants/other/policies/p1"',
    'subject = "a" subject = "b"',
    'subject = "a" AND subject = "b"',
    'mode = "x"',
])
def test_bad_filters_name_the_filter(text: str) -> None:
    with pytest.raises(InvalidArgument) as error:
        VALIDATION_FILTER.parse(text, "acme")
    assert [v.field for v in error.value.violations] == ["filter"]
