"""Finding kinds of sensitive text (secrets, personal data) with RE2 patterns, and redacting
them: what RULE_KIND_SECRETS and RULE_KIND_PII share.

Each :class:`Detector` is one kind: an RE2 pattern (linear time, whatever the output), the
group that holds the sensitive part, and an optional check of each match (a checksum, a
placeholder test) that a pattern alone cannot express. The detectors of one rule run in their
order and a match overlapping an earlier one's is dropped, so a card number is not also
reported as a phone number.
"""

from __future__ import annotations

import bisect
import dataclasses
from collections.abc import Callable, Iterator, Sequence
from typing import Protocol, cast

from services.ai_quality_gate.core.checks import Span
from shared.values.patterns import compile_pattern


class Spanned(Protocol):
    """What is read of an RE2 match here."""

    def span(self, group: int = 0) -> tuple[int, int]: ...


class Scanner(Protocol):
    """An RE2 pattern, as far as finding all its matches goes."""

    def finditer(self, text: str) -> Iterator[Spanned]: ...


def scanner(pattern: str) -> Scanner:
    """``pattern`` compiled by RE2 (cached), for :meth:`Scanner.finditer`.

    Raises:
        shared.values.patterns.PatternError: RE2 cannot compile it.
    """
    return cast(Scanner, compile_pattern(pattern))


@dataclasses.dataclass(frozen=True)
class Detector:
    """One kind of sensitive text.

    Attributes:
        kind: Its name in configs, findings and redactions (``aws-access-key``).
        noun: What one is called in messages (``AWS access key``).
        pattern: Its RE2 pattern.
        group: The group holding the sensitive part (0: the whole match).
        valid: Whether a match's sensitive part really is one (None: every match is).
        isolated: Drop a match that is part of a longer run of digit groups (``4111 1111
            1111`` of a longer number is no phone number).
    """

    kind: str
    noun: str
    pattern: str
    group: int = 0
    valid: Callable[[str], bool] | None = None
    isolated: bool = False

    @property
    def compiled(self) -> Scanner:
        return scanner(self.pattern)


class _Taken:
    """Non-overlapping spans accepted so far, sorted, for a logarithmic overlap test."""

    def __init__(self) -> None:
        self._starts: list[int] = []
        self._ends: list[int] = []

    def overlaps(self, start: int, end: int) -> bool:
        i = bisect.bisect_right(self._starts, start)
        before = i > 0 and self._ends[i - 1] > start
        after = i < len(self._starts) and self._starts[i] < end
        return before or after

    def add(self, start: int, end: int) -> None:
        i = bisect.bisect_right(self._starts, start)
        self._starts.insert(i, start)
        self._ends.insert(i, end)


def detect(detectors: Sequence[Detector], text: str) -> dict[str, list[Span]]:
    """The spans of each detector's kind found in ``text`` (kinds with none left out), in
    detector order; a match overlapping an earlier one is dropped."""
    found: dict[str, list[Span]] = {}
    taken = _Taken()
    for detector in detectors:
        for match in detector.compiled.finditer(text):
            start, end = match.span(detector.group)
            if start < 0 or end <= start or taken.overlaps(start, end):
                continue
            if detector.valid is not None and not detector.valid(text[start:end]):
                continue
            if detector.isolated and _in_digit_run(text, start, end):
                continue
            taken.add(start, end)
            found.setdefault(detector.kind, []).append(Span(start, end, detector.kind))
    return found


_GROUP_SEPARATORS = " .-"


def _in_digit_run(text: str, start: int, end: int) -> bool:
    """Whether ``text[start:end]`` continues, before or after, into more digits, directly or
    across one group separator."""
    before = text[max(0, start - 2):start]
    after = text[end:end + 2]
    return bool(
        (before[-1:].isdigit() or (before[-1:] in _GROUP_SEPARATORS and before[:1].isdigit()
                                   and len(before) == 2))
        or (after[:1].isdigit() or (after[:1] in _GROUP_SEPARATORS and after[1:2].isdigit())))


def redact(text: str, spans: Sequence[Span]) -> str:
    """``text`` with every span replaced by ``[REDACTED:<label>]``; overlapping spans are
    merged into one (labelled by the first)."""
    if not spans:
        return text
    merged: list[Span] = []
    for span in sorted(spans, key=lambda s: (s.start, -s.end)):
        if merged and span.start < merged[-1].end:
            last = merged[-1]
            merged[-1] = Span(last.start, max(last.end, span.end), last.label)
        else:
            merged.append(span)
    pieces, at = [], 0
    for span in merged:
        pieces += [text[at:span.start], f"[REDACTED:{span.label}]"]
        at = span.end
    pieces.append(text[at:])
    return "".join(pieces)


def positions(spans: Sequence[Span], most: int = 5) -> str:
    """``at characters 10, 84`` (the first ``most``, then ``…``)."""
    shown = ", ".join(str(s.start) for s in spans[:most])
    more = ", …" if len(spans) > most else ""
    return f"at character{'s' if len(spans) > 1 else ''} {shown}{more}"
