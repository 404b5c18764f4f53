"""What every rule's check is made of: the output it reads, the problems it reports, and the
parsing of its JSON config.

A check reports :class:`Problem` values: a message for humans, a ``fix`` line for the model
that produced the output, an optional category (``aws-access-key``) and the spans of the
output to redact. Its severity is the check's own (ERROR unless its config says otherwise).
"""

from __future__ import annotations

import dataclasses
import functools
from typing import Any, ClassVar

from services.ai_quality_gate.core.findings import RuleKind, Severity, Submission
from shared.values.documents import parse_json


class RuleConfigError(ValueError):
    """A rule's config is not what its kind needs; the message says why."""


@dataclasses.dataclass(frozen=True)
class Span:
    """Characters ``[start, end)`` of the output that hold a ``label`` (``email``)."""

    start: int
    end: int
    label: str


@dataclasses.dataclass(frozen=True)
class Problem:
    """One thing a check found wrong.

    Attributes:
        message: What is wrong, for humans; never the secret or datum itself.
        fix: What the producing model must change, one line; empty when it can change
            nothing.
        category: What exactly was found, when the rule has categories.
        spans: Where it is, to be redacted (only checks that redact give spans).
    """

    message: str
    fix: str = ""
    category: str = ""
    spans: tuple[Span, ...] = ()


@dataclasses.dataclass(frozen=True)
class Output:
    """The output being checked, with its quality (computed once for all rules)."""

    submission: Submission
    quality: float

    @property
    def text(self) -> str:
        return self.submission.content

    @functools.cached_property
    def json(self) -> Any:
        """The output parsed as JSON (once for all rules).

        Raises:
            ValueError: It is not JSON, or is nested too deeply.
        """
        return parse_json(self.text)

    @functools.cached_property
    def strings(self) -> list[str]:
        """The answer's main texts: the output itself, or, when it is a JSON object or array,
        its top-level strings (an agent's answer is often ``{"result": "..."}``)."""
        try:
            value = self.json
        except ValueError:
            return [self.text]
        items = value.values() if isinstance(value, dict) else value if isinstance(
            value, list) else [value]
        return [item for item in items if isinstance(item, str)] or [self.text]


class Check:
    """One compiled rule: its kind, its severity, whether it redacts, and what it finds."""

    kind: ClassVar[RuleKind]
    severity: Severity = Severity.ERROR
    redacts: bool = False

    def problems(self, output: Output) -> list[Problem]:
        """What is wrong with ``output`` (empty = the rule passes)."""
        raise NotImplementedError


def config_object(text: str, required: tuple[str, ...], optional: tuple[str, ...] = (),
                  empty_allowed: bool = False) -> dict[str, Any]:
    """The config ``text`` as a JSON object with exactly the known keys.

    Raises:
        RuleConfigError: Not a JSON object, an unknown key or a missing one.
    """
    if empty_allowed and not text.strip():
        return {}
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


def strings_of(config: dict[str, Any], key: str) -> list[str]:
    """``config[key]``, a non-empty list of non-empty strings.

    Raises:
        RuleConfigError: It is not.
    """
    value = config[key]
    if (not isinstance(value, list) or not value
            or not all(isinstance(item, str) and item for item in value)):
        raise RuleConfigError(f"`{key}` must be a non-empty list of non-empty strings")
    return value


def severity_of(config: dict[str, Any], default: Severity) -> Severity:
    """The config's ``severity`` (``ERROR``, ``WARNING`` or ``INFO``, any case), else
    ``default``.

    Raises:
        RuleConfigError: Another value.
    """
    value = config.get("severity", default.value)
    if not isinstance(value, str) or value.upper() not in Severity.__members__:
        raise RuleConfigError("`severity` must be one of ERROR, WARNING, INFO")
    return Severity(value.upper())


def flag_of(config: dict[str, Any], key: str, default: bool) -> bool:
    """The config's boolean ``key``, else ``default``.

    Raises:
        RuleConfigError: Not true or false.
    """
    value = config.get(key, default)
    if not isinstance(value, bool):
        raise RuleConfigError(f"`{key}` must be true or false")
    return value


def kinds_of(config: dict[str, Any], known: tuple[str, ...],
             default: tuple[str, ...]) -> tuple[str, ...]:
    """The config's ``kinds``, a non-empty subset of ``known`` (in ``known``'s order), else
    ``default``.

    Raises:
        RuleConfigError: Not a list of known kinds.
    """
    if "kinds" not in config:
        return default
    chosen = strings_of(config, "kinds")
    unknown = [k for k in chosen if k not in known]
    if unknown:
        raise RuleConfigError(f"unknown kind {unknown[0]!r} in `kinds`; expected some of "
                              f"{', '.join(known)}")
    return tuple(k for k in known if k in chosen)


def plural(count: int, singular: str, many: str = "") -> str:
    """``1 e-mail address``, ``3 e-mail addresses`` (``many``: an irregular plural)."""
    if count == 1:
        return f"{count} {singular}"
    return f"{count} {many or singular + ('es' if singular.endswith('ss') else 's')}"
