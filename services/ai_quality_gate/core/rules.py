"""The rule kinds: each rule's JSON config parsed into a check, and the checks run on output.

Configs (a JSON object per rule; the proto's RuleKind documents the same):

- JSON_SCHEMA: the config is the JSON Schema itself (the subset of
  :mod:`shared.values.json_schema`); the output must parse as JSON and be valid for it.
- MAX_LENGTH: ``{"max": N}``, N a positive integer; at most N characters (code points).
- REQUIRED_KEYWORDS: ``{"keywords": [...], "case_sensitive": false}``; each keyword must
  occur as a substring; ``case_sensitive`` is optional and false by default.
- FORBIDDEN_PATTERNS: ``{"patterns": [...]}``, regular expressions in RE2 syntax
  (:mod:`shared.values.patterns`: linear time, no backreferences or lookarounds) searched anywhere;
  none may match; at most MAX_PATTERNS. A pattern that matches the empty string would fail
  everything: refused.
- MIN_SCORE: ``{"min": x}``, 0 <= x <= 1; the content quality of :mod:`.scoring` must be at
  least x.
- OUTPUT_SCHEMA: ``{"severity": ...}`` or empty; JSON_SCHEMA with the request's output schema.
- SECRETS, PII, REFUSAL, CLAIMED_TOOLS: see :mod:`.secrets`, :mod:`.pii`, :mod:`.refusal`,
  :mod:`.claimed_tools`; CROSS_CHECK: :mod:`.cross_check` (its config is checked here, the
  check itself runs in the server, which can call the AI runtime).

Keys other than these are refused (except in a schema), so a misspelt key is not silently
ignored. Every problem a check finds becomes one finding of its rule, with the rule's severity.
"""

from __future__ import annotations

import dataclasses
import functools
from collections.abc import Callable, Sequence
from typing import Any

from services.ai_quality_gate.core.checks import (
    Check,
    Output,
    Problem,
    RuleConfigError,
    config_object,
    severity_of,
    strings_of,
)
from services.ai_quality_gate.core.claimed_tools import ClaimedToolsCheck
from services.ai_quality_gate.core.cross_check import CrossCheckConfig
from services.ai_quality_gate.core.detectors import redact
from services.ai_quality_gate.core.findings import Finding, Rule, RuleKind, Severity, Submission
from services.ai_quality_gate.core.pii import PiiCheck
from services.ai_quality_gate.core.refusal import RefusalCheck
from services.ai_quality_gate.core.scoring import quality_score
from services.ai_quality_gate.core.secrets import SecretsCheck
from shared.values.documents import parse_json
from shared.values.json_schema import schema_errors, schema_problems
from shared.values.patterns import Pattern, PatternError, compile_pattern

__all__ = ["Evaluation", "RuleConfigError", "RuleProblem", "compile_rule", "evaluate"]

MAX_PROBLEMS_PER_RULE = 10
MAX_PATTERNS = 100  # per FORBIDDEN_PATTERNS rule: each is one pass over the output
_EXCERPT = 40


@dataclasses.dataclass(frozen=True)
class RuleProblem:
    """Why the rule at ``index`` of a policy does not compile."""

    index: int
    problem: str


@dataclasses.dataclass(frozen=True)
class Evaluation:
    """What the rules found in an output: the findings in rule order, the content's quality,
    the content with every redacting rule's spans redacted (empty when nothing was), or the
    rules that do not compile (then nothing was evaluated)."""

    findings: list[Finding] = dataclasses.field(default_factory=list)
    quality: float = 0.0
    redacted: str = ""
    problems: list[RuleProblem] = dataclasses.field(default_factory=list)


@functools.lru_cache(maxsize=64)
def _schema_of(text: str) -> dict[str, Any]:
    """A request's output schema, parsed once per distinct text (it was checked before)."""
    value = parse_json(text)
    return value if isinstance(value, dict) else {}


def _schema_problems(value_of: Callable[[], Any], schema: dict[str, Any],
                     what: str) -> list[Problem]:
    try:
        value = value_of()
    except ValueError as error:
        return [Problem(f"output is not valid JSON ({error})",
                        f"Answer with JSON only, valid for {what}: no text or code fences "
                        "around it.")]
    return [Problem(f"output does not match {what}: {e}",
                    f"Make the JSON answer valid for {what}: {e}.")
            for e in schema_errors(value, schema)]


@dataclasses.dataclass(frozen=True)
class JsonSchemaCheck(Check):
    """The output is JSON valid for ``schema``."""

    kind = RuleKind.JSON_SCHEMA

    schema: dict[str, Any]

    @classmethod
    def parse(cls, text: str) -> JsonSchemaCheck:
        try:
            value = parse_json(text)
        except ValueError as error:
            raise RuleConfigError(f"not valid JSON ({error})") from error
        if not isinstance(value, dict):
            raise RuleConfigError("must be a JSON object (the JSON Schema)")
        problems = schema_problems(value)
        if problems:
            raise RuleConfigError(f"not a valid JSON Schema: {'; '.join(problems[:5])}")
        return cls(value)

    def problems(self, output: Output) -> list[Problem]:
        return _schema_problems(lambda: output.json, self.schema, "the JSON schema")


@dataclasses.dataclass(frozen=True)
class OutputSchemaCheck(Check):
    """The output is JSON valid for the request's output schema (when it sent one)."""

    kind = RuleKind.OUTPUT_SCHEMA

    severity: Severity = Severity.ERROR

    @classmethod
    def parse(cls, text: str) -> OutputSchemaCheck:
        return cls(severity_of(config_object(text, (), ("severity",), empty_allowed=True),
                               Severity.ERROR))

    def problems(self, output: Output) -> list[Problem]:
        if not output.submission.output_schema:
            return []
        schema = _schema_of(output.submission.output_schema)
        return _schema_problems(lambda: output.json, schema, "the output schema")


@dataclasses.dataclass(frozen=True)
class MaxLengthCheck(Check):
    """The output has at most ``max`` characters."""

    kind = RuleKind.MAX_LENGTH

    max: int

    @classmethod
    def parse(cls, text: str) -> MaxLengthCheck:
        value = config_object(text, ("max",))["max"]
        if not isinstance(value, int) or isinstance(value, bool) or value < 1:
            raise RuleConfigError("`max` must be a positive integer")
        return cls(value)

    def problems(self, output: Output) -> list[Problem]:
        if len(output.text) <= self.max:
            return []
        return [Problem(
            f"output has {len(output.text)} characters, more than the maximum {self.max}",
            f"Shorten the answer to at most {self.max} characters.")]


@dataclasses.dataclass(frozen=True)
class RequiredKeywordsCheck(Check):
    """Every keyword occurs in the output."""

    kind = RuleKind.REQUIRED_KEYWORDS

    keywords: tuple[str, ...]
    case_sensitive: bool = False

    @classmethod
    def parse(cls, text: str) -> RequiredKeywordsCheck:
        config = config_object(text, ("keywords",), ("case_sensitive",))
        case_sensitive = config.get("case_sensitive", False)
        if not isinstance(case_sensitive, bool):
            raise RuleConfigError("`case_sensitive` must be true or false")
        return cls(tuple(strings_of(config, "keywords")), case_sensitive)

    def problems(self, output: Output) -> list[Problem]:
        fold: Callable[[str], str] = (lambda s: s) if self.case_sensitive else str.casefold
        text = fold(output.text)
        return [Problem(f"output lacks the required keyword {keyword!r}",
                        f"Include {keyword!r} in the answer.")
                for keyword in self.keywords if fold(keyword) not in text]


@dataclasses.dataclass(frozen=True)
class ForbiddenPatternsCheck(Check):
    """No pattern matches anywhere in the output."""

    kind = RuleKind.FORBIDDEN_PATTERNS

    patterns: tuple[Pattern, ...]

    @classmethod
    def parse(cls, text: str) -> ForbiddenPatternsCheck:
        compiled = []
        patterns = strings_of(config_object(text, ("patterns",)), "patterns")
        if len(patterns) > MAX_PATTERNS:
            raise RuleConfigError(f"`patterns` has {len(patterns)} patterns, at most "
                                  f"{MAX_PATTERNS}")
        for i, pattern in enumerate(patterns):
            try:
                regex = compile_pattern(pattern)
            except PatternError as error:
                raise RuleConfigError(f"`patterns[{i}]`: {error}") from error
            if regex.fullmatch("") is not None:
                raise RuleConfigError(f"`patterns[{i}]` matches the empty string, so it would "
                                      "reject every output")
            compiled.append(regex)
        return cls(tuple(compiled))

    def problems(self, output: Output) -> list[Problem]:
        found = []
        for regex in self.patterns:
            match = regex.search(output.text)
            if match is not None:
                excerpt = match.group(0)
                if len(excerpt) > _EXCERPT:
                    excerpt = excerpt[:_EXCERPT] + "…"
                found.append(Problem(
                    f"output matches the forbidden pattern {regex.pattern!r} at character "
                    f"{match.start()}: {excerpt!r}",
                    f"Remove or rephrase {excerpt!r}: the policy forbids it."))
        return found


@dataclasses.dataclass(frozen=True)
class MinScoreCheck(Check):
    """The content's quality is at least ``min``."""

    kind = RuleKind.MIN_SCORE

    min: float

    @classmethod
    def parse(cls, text: str) -> MinScoreCheck:
        value = config_object(text, ("min",))["min"]
        if not isinstance(value, int | float) or isinstance(value, bool) or not 0 <= value <= 1:
            raise RuleConfigError("`min` must be a number from 0 to 1")
        return cls(float(value))

    def problems(self, output: Output) -> list[Problem]:
        if output.quality >= self.min:
            return []
        return [Problem(f"quality score {output.quality:.4f} is below the minimum {self.min:g}",
                        "Give a fuller answer in your own words, without repeating yourself.")]


_PARSERS: dict[RuleKind, Callable[[str], Check]] = {
    RuleKind.JSON_SCHEMA: JsonSchemaCheck.parse,
    RuleKind.MAX_LENGTH: MaxLengthCheck.parse,
    RuleKind.REQUIRED_KEYWORDS: RequiredKeywordsCheck.parse,
    RuleKind.FORBIDDEN_PATTERNS: ForbiddenPatternsCheck.parse,
    RuleKind.MIN_SCORE: MinScoreCheck.parse,
    RuleKind.OUTPUT_SCHEMA: OutputSchemaCheck.parse,
    RuleKind.SECRETS: SecretsCheck.parse,
    RuleKind.PII: PiiCheck.parse,
    RuleKind.REFUSAL: RefusalCheck.parse,
    RuleKind.CLAIMED_TOOLS: ClaimedToolsCheck.parse,
    RuleKind.CROSS_CHECK: CrossCheckConfig.parse,
}


def compile_rule(rule: Rule) -> Check:
    """The check ``rule`` describes.

    Raises:
        RuleConfigError: Its config does not fit its kind.
    """
    return _PARSERS[rule.kind](rule.config)


def evaluate(checks: Sequence[Check], submission: Submission | str) -> Evaluation:
    """Run every check on ``submission``, in rule order: the findings, the content's quality
    and the content redacted by the redacting rules.

    A rule reports at most MAX_PROBLEMS_PER_RULE problems; a last finding counts the rest.
    """
    if isinstance(submission, str):
        submission = Submission(submission)
    output = Output(submission, quality_score(submission.content))
    findings: list[Finding] = []
    spans = []
    for index, check in enumerate(checks):
        problems = check.problems(output)
        if check.redacts:
            spans += [span for problem in problems for span in problem.spans]
        if len(problems) > MAX_PROBLEMS_PER_RULE:
            extra = len(problems) - MAX_PROBLEMS_PER_RULE
            problems = [*problems[:MAX_PROBLEMS_PER_RULE], Problem(f"and {extra} more problems")]
        findings += [Finding(index, p.message, check.severity, check.kind, p.category, p.fix)
                     for p in problems]
    redacted = redact(submission.content, spans) if spans else ""
    return Evaluation(findings, output.quality, redacted)
