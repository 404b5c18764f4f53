"""From findings to score, verdict and action: the score formula, the pass score, AUDIT, and
REPAIR turning into ESCALATE with the rounds."""

from __future__ import annotations

import dataclasses

import pytest

from services.ai_quality_gate.core.default_policy import DEFAULT_POLICY, default_policy
from services.ai_quality_gate.core.findings import feedback_of
from services.ai_quality_gate.core.judgement import judge, score_of
from services.ai_quality_gate.core.models import (
    Action,
    Finding,
    PolicyMode,
    RuleKind,
    Severity,
    Verdict,
)

ERROR = Finding(0, "output contains 1 AWS access key", Severity.ERROR, RuleKind.SECRETS,
                "aws-access-key", "Remove the AWS access key.")
WARNING = Finding(1, "output contains 1 e-mail address", Severity.WARNING, RuleKind.PII,
                  "email", "Remove the e-mail address.")
INFO = Finding(2, "worth knowing", Severity.INFO)
POLICY = default_policy("acme")


def test_score_is_one_minus_the_severity_weights() -> None:
    assert score_of([]) == 1.0
    assert score_of([INFO] * 5) == 1.0
    assert score_of([WARNING]) == 0.9
    assert score_of([ERROR, WARNING]) == 0.5
    assert score_of([ERROR] * 3) == 0.0  # never below 0


def test_passing_output_is_accepted() -> None:
    judgement = judge(POLICY, [WARNING, INFO], 0)
    assert (judgement.score, judgement.verdict, judgement.action) == (
        0.9, Verdict.PASS, Action.ACCEPT)


def test_warnings_below_the_pass_score_fail() -> None:
    assert judge(POLICY, [WARNING] * 3, 0).verdict is Verdict.PASS  # 0.7
    failed = judge(POLICY, [WARNING] * 4, 0)
    assert (failed.score, failed.verdict, failed.action) == (0.6, Verdict.FAIL, Action.REPAIR)
    lenient = dataclasses.replace(POLICY, pass_score=0.5)
    assert judge(lenient, [WARNING] * 4, 0).verdict is Verdict.PASS


def test_an_error_fails_whatever_the_pass_score() -> None:
    lenient = dataclasses.replace(POLICY, pass_score=0.0)
    assert judge(lenient, [ERROR], 0).verdict is Verdict.FAIL


@pytest.mark.parametrize(("round_", "action"), [(0, Action.REPAIR), (1, Action.REPAIR),
                                                 (2, Action.ESCALATE), (5, Action.ESCALATE)])
def test_repair_becomes_escalate_at_max_repair_rounds(round_: int, action: Action) -> None:
    assert judge(POLICY, [ERROR], round_).action is action


def test_no_repair_rounds_escalates_at_once() -> None:
    assert judge(dataclasses.replace(POLICY, max_repair_rounds=0), [ERROR], 0).action is (
        Action.ESCALATE)


def test_on_failure_reject_and_escalate_ignore_rounds() -> None:
    for on_failure in (Action.REJECT, Action.ESCALATE):
        policy = dataclasses.replace(POLICY, on_failure=on_failure)
        assert judge(policy, [ERROR], 0).action is on_failure
        assert judge(policy, [ERROR], 9).action is on_failure


def test_nothing_to_fix_escalates_rather_than_repairs() -> None:
    unverified = Finding(3, "the cross-check could not run", Severity.ERROR,
                         RuleKind.CROSS_CHECK)
    assert judge(POLICY, [unverified], 0).action is Action.ESCALATE
    assert judge(POLICY, [unverified, ERROR], 0).action is Action.REPAIR


def test_audit_records_the_score_but_accepts() -> None:
    audit = dataclasses.replace(POLICY, mode=PolicyMode.AUDIT)
    judgement = judge(audit, [ERROR, ERROR], 0)
    assert (judgement.score, judgement.verdict, judgement.action) == (
        0.2, Verdict.PASS, Action.ACCEPT)


def test_feedback_is_one_line_per_fixable_finding() -> None:
    assert feedback_of([ERROR, INFO, WARNING]) == (
        "- Remove the AWS access key.\n- Remove the e-mail address.")


def test_the_default_policy() -> None:
    assert [r.kind for r in DEFAULT_POLICY.rules] == [
        RuleKind.SECRETS, RuleKind.PII, RuleKind.REFUSAL, RuleKind.CLAIMED_TOOLS,
        RuleKind.OUTPUT_SCHEMA]
    assert (DEFAULT_POLICY.on_failure, DEFAULT_POLICY.max_repair_rounds,
            DEFAULT_POLICY.pass_score, DEFAULT_POLICY.mode) == (
        Action.REPAIR, 2, 0.7, PolicyMode.ENFORCE)
    assert (POLICY.tenant, POLICY.id) == ("acme", "")
