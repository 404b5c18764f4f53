"""Regular expressions that users and policies supply, compiled by RE2.

RE2 matches in time linear in the text (no backtracking) and releases the GIL while it
matches, so no pattern can hold a server; it refuses what needs backtracking
(backreferences, lookarounds) and this module refuses programs larger than
MAX_PROGRAM_SIZE. The dialect is RE2's syntax (docs/contracts.md), close to Python's: `\\d`,
`\\w`, `\\b`, `(?i)`, `(?P<name>…)` and repetitions up to `{1000}` work; `\\Z` is written
`\\z`.
"""

from __future__ import annotations

import functools
import re
from typing import Any, Protocol

import re2  # type: ignore[import-untyped]

# Instructions of a compiled pattern; matching costs up to this much per character of text
# when RE2 cannot use its DFA. `.{1000}` is about 8000, `\pL` (any letter) 1200.
MAX_PROGRAM_SIZE = 10_000

_OPTIONS = re2.Options()
_OPTIONS.log_errors = False  # refusals are reported to the caller, not logged by RE2

# RE2's error texts for what it does not support, and why.
_EXPLAINED = (
    (re.compile(r"invalid perl operator: \(\?<?[=!]"),
     "lookaround assertions ((?=, (?!, (?<=, (?<!) are not supported"),
    (re.compile(r"invalid escape sequence: \\[1-9]"), "backreferences (\\1…) are not supported"),
    (re.compile(r"invalid escape sequence: \\Z"), "\\Z is not supported; use \\z"),
    (re.compile(r"invalid perl operator: \(\?P$"),
     "backreferences ((?P=name)) are not supported"),
    (re.compile(r"invalid repetition size"), "repetition counts are limited to 1000"),
    (re.compile(r"pattern too large"), "too complex"),
)


class PatternError(ValueError):
    """A pattern RE2 cannot compile or that is too complex; the message says why."""


class Match(Protocol):
    """What callers read of a match."""

    def group(self, index: int = 0) -> str: ...
    def start(self, index: int = 0) -> int: ...


class Pattern(Protocol):
    """A compiled pattern; ``search`` finds the first match anywhere in ``text``."""

    @property
    def pattern(self) -> str: ...
    def search(self, text: str) -> Match | None: ...
    def fullmatch(self, text: str) -> Match | None: ...


@functools.lru_cache(maxsize=512)
def compile_pattern(pattern: str) -> Pattern:
    """``pattern`` compiled by RE2 (cached: policies and schemas are compiled again and again).

    Raises:
        PatternError: RE2 cannot compile it (with the reason in plain words), or its program
            is larger than MAX_PROGRAM_SIZE.
    """
    try:
        compiled: Any = re2.compile(pattern, _OPTIONS)
    except re2.error as error:
        raise PatternError(_explain(error)) from error
    size = int(compiled._regexp.ProgramSize())
    if size > MAX_PROGRAM_SIZE:
        raise PatternError(f"too complex: {size} RE2 instructions, at most {MAX_PROGRAM_SIZE} "
                           "(use smaller counted repetitions)")
    result: Pattern = compiled
    return result


def _explain(error: Exception) -> str:
    detail = error.args[0] if error.args else ""
    text = detail.decode(errors="replace") if isinstance(detail, bytes) else str(detail)
    for regex, meaning in _EXPLAINED:
        if regex.search(text):
            return f"{meaning} in RE2 syntax ({text})"
    return f"not valid RE2 syntax ({text})"
