"""What a quality-gate rule is and what it finds: plain values, shared by the server and its
rule-evaluation workers (which import nothing else of the service)."""

from __future__ import annotations

import dataclasses
import enum


class RuleKind(enum.StrEnum):
    """What a policy rule checks."""

    JSON_SCHEMA = "JSON_SCHEMA"
    MAX_LENGTH = "MAX_LENGTH"
    REQUIRED_KEYWORDS = "REQUIRED_KEYWORDS"
    FORBIDDEN_PATTERNS = "FORBIDDEN_PATTERNS"
    MIN_SCORE = "MIN_SCORE"


@dataclasses.dataclass(frozen=True)
class Rule:
    """One check of a policy; ``config`` is its settings as a JSON object, kept verbatim."""

    kind: RuleKind
    config: str


class Severity(enum.StrEnum):
    """How bad a finding is; only ERROR fails output."""

    INFO = "INFO"
    WARNING = "WARNING"
    ERROR = "ERROR"


@dataclasses.dataclass(frozen=True)
class Finding:
    """One problem a rule found; ``rule_index`` counts the policy's rules from 0."""

    rule_index: int
    message: str
    severity: Severity = Severity.ERROR
