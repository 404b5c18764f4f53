"""What a quality-gate rule is, what it is run on and what it finds: plain values, shared by
the server and its rule-evaluation workers (which import nothing else of the service)."""

from __future__ import annotations

import dataclasses
import enum
from collections.abc import Iterable


class RuleKind(enum.StrEnum):
    """What a policy rule checks."""

    JSON_SCHEMA = "JSON_SCHEMA"
    MAX_LENGTH = "MAX_LENGTH"
    REQUIRED_KEYWORDS = "REQUIRED_KEYWORDS"
    FORBIDDEN_PATTERNS = "FORBIDDEN_PATTERNS"
    MIN_SCORE = "MIN_SCORE"
    OUTPUT_SCHEMA = "OUTPUT_SCHEMA"
    SECRETS = "SECRETS"
    PII = "PII"
    REFUSAL = "REFUSAL"
    CLAIMED_TOOLS = "CLAIMED_TOOLS"
    CROSS_CHECK = "CROSS_CHECK"


@dataclasses.dataclass(frozen=True)
class Rule:
    """One check of a policy; ``config`` is its settings as a JSON object, kept verbatim."""

    kind: RuleKind
    config: str


class Severity(enum.StrEnum):
    """How bad a finding is: an ERROR fails output; ERROR and WARNING lower its score."""

    INFO = "INFO"
    WARNING = "WARNING"
    ERROR = "ERROR"


@dataclasses.dataclass(frozen=True)
class Finding:
    """One problem a rule found; ``rule_index`` counts the policy's rules from 0.

    ``category`` says what exactly was found (``aws-access-key``, ``email``), when the rule
    has such categories; ``fix`` is one line telling the producing model what to change,
    empty when there is nothing it can change (a cross-check that could not run).
    """

    rule_index: int
    message: str
    severity: Severity = Severity.ERROR
    kind: RuleKind | None = None
    category: str = ""
    fix: str = ""


def feedback_of(findings: Iterable[Finding]) -> str:
    """What the producing agent must fix, for its model: ``- <fix>``, one line per finding
    with something to fix, in finding order."""
    return "\n".join(f"- {f.fix}" for f in findings if f.fix)


@dataclasses.dataclass(frozen=True)
class Submission:
    """An agent's output and what the request says about it, as the rules see it.

    ``output_schema`` is the JSON Schema text of the agent's output message (empty: none);
    ``known_tools`` the tools the agent could call, ``tools_used`` those that ran.
    """

    content: str
    output_schema: str = ""
    known_tools: tuple[str, ...] = ()
    tools_used: tuple[str, ...] = ()
