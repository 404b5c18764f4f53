"""The rule kinds: each rule's JSON config parsed into a check, and the checks run on output.

Configs (a JSON object per rule; the proto's RuleKind documents the same):

- JSON_SCHEMA: the config is the JSON Schema itself (the subset of :mod:`.schema`); the
  output must parse as JSON and be valid for it.
- MAX_LENGTH: ``{"max": N}``, N a positive integer; at most N characters (code points).
- REQUIRED_KEYWORDS: ``{"keywords": [...], "case_sensitive": false}``; each keyword must
  occur as a substring; ``case_sensitive`` is optional and false by default.
- FORBIDDEN_PATTERNS: ``{"patterns": [...]}``, regular expressions in RE2 syntax
  (:mod:`shared.values.patterns`: linear time, no backreferences or lookarounds) searched anywhere;
  none may match; at most MAX_PATTERNS. A pattern that matches the empty string would fail
  everything: refused.
- MIN_SCORE: ``{"min": x}``, 0 <= x <= 1; the score of :mod:`.scoring` must be at least x.

Keys other than these are refused (except in a schema), so a misspelt key is not silently
ignored. Every problem a check finds becomes one error finding of its rule.
"""

from __future__ import annotations

import dataclasses
import functools
from collections.abc import Callable, Sequence
from typing import Any, Protocol

from services.ai_quality_gate.core.findings import Finding, Rule, RuleKind
from services.ai_quality_gate.core.scoring import quality_score
from shared.values.documents import parse_json
from shared.values.json_schema import schema_errors, schema_problems
from shared.values.patterns import Pattern, PatternError, compile_pattern

MAX_PROBLEMS_PER_RULE = 10
MAX_PATTERNS = 100  # per FORBIDDEN_PATTERNS rule: each is one pass over the output
_EXCERPT = 40


class RuleConfigError(ValueError):
    """A rule's config is not what its kind needs; the message says why."""


@dataclasses.dataclass(frozen=True)
class Output:
    """The output being checked, with its quality score (computed once for all rules)."""

    text: str
    score: float

    @functools.cached_property
    def json(self) -> Any:
        """The output parsed as JSON (once for all rules).

        Raises:
            ValueError: It is not JSON, or is nested too deeply.
        """
        return parse_json(self.text)


class RuleCheck(Protocol):
    """One compiled rule."""

    def problems(self, output: Output) -> list[str]:
        """What is wrong with ``output`` (empty = the rule passes)."""
        ...


def _config(text: str, required: tuple[str, ...], optional: tuple[str, ...] = ()
            ) -> dict[str, Any]:
    try:
        value = parse_json(text)
    except ValueError as error:
        raise RuleConfigError(f"not valid JSON ({error})") from error
    if not isinstance(value, dict):
        raise RuleConfigError("must be a JSON object")
    expected = ", ".join(f"`{k}`" for k in required + optional)
    for key in value:
        if key not in required + optional:
            raise RuleConfigError(f"unknown key `{key}`; expected {expected}")
    for key in required:
        if key not in value:
            raise RuleConfigError(f"missing `{key}`")
    return value


def _strings(config: dict[str, Any], key: str) -> list[str]:
    value = config[key]
    if (not isinstance(value, list) or not value
            or not all(isinstance(item, str) and item for item in value)):
        raise RuleConfigError(f"`{key}` must be a non-empty list of non-empty strings")
    return value


@dataclasses.dataclass(frozen=True)
class JsonSchemaCheck:
    """The output is JSON valid for ``schema``."""

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

    def problems(self, output: Output) -> list[str]:
        try:
            value = output.json
        except ValueError as error:
            return [f"output is not valid JSON ({error})"]
        return [f"output does not match the JSON schema: {e}"
                for e in schema_errors(value, self.schema)]


@dataclasses.dataclass(frozen=True)
class MaxLengthCheck:
    """The output has at most ``max`` characters."""

    max: int

    @classmethod
    def parse(cls, text: str) -> MaxLengthCheck:
        value = _config(text, ("max",))["max"]
        if not isinstance(value, int) or isinstance(value, bool) or value < 1:
            raise RuleConfigError("`max` must be a positive integer")
        return cls(value)

    def problems(self, output: Output) -> list[str]:
        if len(output.text) <= self.max:
            return []
        return [f"output has {len(output.text)} characters, more than the maximum {self.max}"]


@dataclasses.dataclass(frozen=True)
class RequiredKeywordsCheck:
    """Every keyword occurs in the output."""

    keywords: tuple[str, ...]
    case_sensitive: bool = False

    @classmethod
    def parse(cls, text: str) -> RequiredKeywordsCheck:
        config = _config(text, ("keywords",), ("case_sensitive",))
        case_sensitive = config.get("case_sensitive", False)
        if not isinstance(case_sensitive, bool):
            raise RuleConfigError("`case_sensitive` must be true or false")
        return cls(tuple(_strings(config, "keywords")), case_sensitive)

    def problems(self, output: Output) -> list[str]:
        fold: Callable[[str], str] = (lambda s: s) if self.case_sensitive else str.casefold
        text = fold(output.text)
        return [f"output lacks the required keyword {keyword!r}" for keyword in self.keywords
                if fold(keyword) not in text]


@dataclasses.dataclass(frozen=True)
class ForbiddenPatternsCheck:
    """No pattern matches anywhere in the output."""

    patterns: tuple[Pattern, ...]

    @classmethod
    def parse(cls, text: str) -> ForbiddenPatternsCheck:
        compiled = []
        patterns = _strings(_config(text, ("patterns",)), "patterns")
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

    def problems(self, output: Output) -> list[str]:
        found = []
        for regex in self.patterns:
            match = regex.search(output.text)
            if match is not None:
                excerpt = match.group(0)
                if len(excerpt) > _EXCERPT:
                    excerpt = excerpt[:_EXCERPT] + "…"
                found.append(f"output matches the forbidden pattern {regex.pattern!r} at "
                             f"character {match.start()}: {excerpt!r}")
        return found


@dataclasses.dataclass(frozen=True)
class MinScoreCheck:
    """The output's quality score is at least ``min``."""

    min: float

    @classmethod
    def parse(cls, text: str) -> MinScoreCheck:
        value = _config(text, ("min",))["min"]
        if not isinstance(value, int | float) or isinstance(value, bool) or not 0 <= value <= 1:
            raise RuleConfigError("`min` must be a number from 0 to 1")
        return cls(float(value))

    def problems(self, output: Output) -> list[str]:
        if output.score >= self.min:
            return []
        return [f"quality score {output.score:.4f} is below the minimum {self.min:g}"]


_PARSERS: dict[RuleKind, Callable[[str], RuleCheck]] = {
    RuleKind.JSON_SCHEMA: JsonSchemaCheck.parse,
    RuleKind.MAX_LENGTH: MaxLengthCheck.parse,
    RuleKind.REQUIRED_KEYWORDS: RequiredKeywordsCheck.parse,
    RuleKind.FORBIDDEN_PATTERNS: ForbiddenPatternsCheck.parse,
    RuleKind.MIN_SCORE: MinScoreCheck.parse,
}


def compile_rule(rule: Rule) -> RuleCheck:
    """The check ``rule`` describes.

    Raises:
        RuleConfigError: Its config does not fit its kind.
    """
    return _PARSERS[rule.kind](rule.config)


def evaluate(checks: Sequence[RuleCheck], text: str) -> tuple[list[Finding], float]:
    """Run every check on ``text``, in rule order: the findings and the text's score.

    A rule reports at most MAX_PROBLEMS_PER_RULE problems; a last finding counts the rest.
    """
    output = Output(text, quality_score(text))
    findings: list[Finding] = []
    for index, check in enumerate(checks):
        problems = check.problems(output)
        if len(problems) > MAX_PROBLEMS_PER_RULE:
            extra = len(problems) - MAX_PROBLEMS_PER_RULE
            problems = [*problems[:MAX_PROBLEMS_PER_RULE], f"and {extra} more problems"]
        findings += [Finding(index, problem) for problem in problems]
    return findings, output.score
