"""``DetectorCheck``: a rule that finds spans of named kinds (secrets, personal data) with
:mod:`.detectors`, reports each kind found once and redacts them."""

from __future__ import annotations

import dataclasses
from typing import ClassVar, Self

from services.ai_quality_gate.core.checks import (
    Check,
    Output,
    Problem,
    Span,
    config_object,
    flag_of,
    kinds_of,
    plural,
    severity_of,
)
from services.ai_quality_gate.core.detectors import Detector, detect, positions
from services.ai_quality_gate.core.findings import Severity


@dataclasses.dataclass(frozen=True)
class DetectorCheck(Check):
    """Nothing of ``kinds`` in the output; each found is redacted when ``redacts``. A subclass
    names its detectors, its default kinds and severity, and the advice given the model."""

    detectors: ClassVar[tuple[Detector, ...]]
    default_kinds: ClassVar[tuple[str, ...]]
    default_severity: ClassVar[Severity]

    kinds: tuple[str, ...] = ()
    redacts: bool = True
    severity: Severity = Severity.ERROR

    @classmethod
    def parse(cls, text: str) -> Self:
        """The check a rule's config (``kinds``, ``redact``, ``severity``; all optional)
        describes."""
        config = config_object(text, (), ("kinds", "redact", "severity"), empty_allowed=True)
        every = tuple(d.kind for d in cls.detectors)
        return cls(kinds=kinds_of(config, every, cls.default_kinds),
                   redacts=flag_of(config, "redact", True),
                   severity=severity_of(config, cls.default_severity))

    def advice(self, kind: str, noun: str, spans: list[Span]) -> str:
        """What the producing model is told to do about ``spans`` of ``kind``."""
        raise NotImplementedError

    def problems(self, output: Output) -> list[Problem]:
        by_kind = {d.kind: d for d in self.detectors}
        found = detect([by_kind[k] for k in self.kinds], output.text)
        problems = []
        for kind, spans in found.items():
            noun = by_kind[kind].noun
            problems.append(Problem(
                f"output contains {plural(len(spans), noun)} ({positions(spans)})",
                self.advice(kind, noun, spans), kind, tuple(spans)))
        return problems
