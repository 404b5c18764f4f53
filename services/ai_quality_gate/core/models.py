"""Domain models of the ai-quality-gate."""

from __future__ import annotations

import dataclasses
import enum

from services.ai_quality_gate.core.findings import Finding, Rule, RuleKind, Severity
from shared.resources.entity import Entity

__all__ = ["Finding", "Policy", "PolicyMode", "Rule", "RuleKind", "Severity", "Validation",
           "Verdict"]


class PolicyMode(enum.StrEnum):
    """What happens to output that fails a policy."""

    ENFORCE = "ENFORCE"
    AUDIT = "AUDIT"


@dataclasses.dataclass(frozen=True, kw_only=True)
class Policy(Entity):
    """A set of rules that AI output must satisfy before it is accepted."""

    display_name: str
    rules: list[Rule] = dataclasses.field(default_factory=list)
    mode: PolicyMode = PolicyMode.ENFORCE


class Verdict(enum.StrEnum):
    """Outcome of checking output against a policy."""

    PASS = "PASS"
    FAIL = "FAIL"


@dataclasses.dataclass(frozen=True, kw_only=True)
class Validation(Entity):
    """The record of one output checked against one policy of the same tenant.

    ``policy`` is the policy's id; ``mode`` is the policy's mode at the time, which explains
    a PASS with error findings (AUDIT). The content itself is not kept.
    """

    policy: str
    subject: str = ""
    verdict: Verdict
    findings: list[Finding] = dataclasses.field(default_factory=list)
    score: float = 0.0
    mode: PolicyMode = PolicyMode.ENFORCE
