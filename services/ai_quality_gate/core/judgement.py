"""From findings to a judgement: the score, the verdict and the action.

- score: ``max(0, 1 - sum(WEIGHTS[f.severity] for f in findings))``, rounded to 4 decimals:
  0.4 per error, 0.1 per warning, 0 per info. Output without findings scores 1.
- verdict: FAIL when the policy enforces and a finding is an error or the score is below
  the policy's ``pass_score``; PASS otherwise (always under AUDIT).
- action: ACCEPT on PASS; otherwise the policy's ``on_failure``, except that REPAIR becomes
  ESCALATE from round ``max_repair_rounds`` on, or when no finding that lowers the score is
  one the producing agent can fix (a cross-check that could not run).

The feedback for the producing agent is :func:`.findings.feedback_of` of the findings.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Sequence

from services.ai_quality_gate.core.findings import Finding, Severity
from services.ai_quality_gate.core.models import Action, Policy, PolicyMode, Verdict

WEIGHTS = {Severity.ERROR: 0.4, Severity.WARNING: 0.1, Severity.INFO: 0.0}


@dataclasses.dataclass(frozen=True)
class Judgement:
    """What the gate concludes about an output."""

    score: float
    verdict: Verdict
    action: Action


def score_of(findings: Sequence[Finding]) -> float:
    """The score of output with ``findings`` (see the module docstring)."""
    return round(max(0.0, 1.0 - sum(WEIGHTS[f.severity] for f in findings)), 4)


def judge(policy: Policy, findings: Sequence[Finding], round_: int) -> Judgement:
    """The judgement of output with ``findings`` under ``policy``, in repair round
    ``round_`` (0: a first answer)."""
    score = score_of(findings)
    failed = (any(f.severity is Severity.ERROR for f in findings)
              or score < policy.pass_score)
    if not failed or policy.mode is PolicyMode.AUDIT:
        return Judgement(score, Verdict.PASS, Action.ACCEPT)
    action = policy.on_failure
    fixable = any(f.fix for f in findings if WEIGHTS[f.severity] > 0)
    if action is Action.REPAIR and (round_ >= policy.max_repair_rounds or not fixable):
        action = Action.ESCALATE
    return Judgement(score, Verdict.FAIL, action)
