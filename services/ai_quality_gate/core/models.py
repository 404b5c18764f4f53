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
