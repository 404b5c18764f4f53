"""Domain models of the ai-quality-gate."""

from __future__ import annotations

import dataclasses
import enum

from shared.database import Entity


class RuleKind(enum.StrEnum):
    """What a policy rule checks."""

    JSON_SCHEMA = "JSON_SCHEMA"
    MAX_LENGTH = "MAX_LENGTH"
    REQUIRED_KEYWORDS = "REQUIRED_KEYWORDS"
    FORBIDDEN_PATTERNS = "FORBIDDEN_PATTERNS"
    MIN_SCORE = "MIN_SCORE"


class PolicyMode(enum.StrEnum):
    """What happens to output that fails a policy."""

    ENFORCE = "ENFORCE"
    AUDIT = "AUDIT"


@dataclasses.dataclass(frozen=True)
class Rule:
    """One check of a policy; ``config`` is its settings as a JSON object, kept verbatim."""

    kind: RuleKind
    config: str


@dataclasses.dataclass(frozen=True, kw_only=True)
class Policy(Entity):
    """A set of rules that AI output must satisfy before it is accepted."""

    display_name: str
    rules: list[Rule] = dataclasses.field(default_factory=list)
    mode: PolicyMode = PolicyMode.ENFORCE


class Severity(enum.StrEnum):
    """How bad a finding is; only ERROR fails output."""

    INFO = "INFO"
    WARNING = "WARNING"
    ERROR = "ERROR"


class Verdict(enum.StrEnum):
    """Outcome of checking output against a policy."""

    PASS = "PASS"
    FAIL = "FAIL"


@dataclasses.dataclass(frozen=True)
class Finding:
    """One problem a rule found; ``rule_index`` counts the policy's rules from 0."""

    rule_index: int
    message: str
    severity: Severity = Severity.ERROR


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
