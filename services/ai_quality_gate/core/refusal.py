"""RULE_KIND_REFUSAL: the model refused or deflected instead of answering.

A small set of phrases, each matched at the start of the answer only (after quotes, markdown
marks and white space), so that an answer that merely mentions what "cannot" be done passes.
When the output is a JSON object or array, its top-level strings are the answers looked at
(``{"result": "I'm sorry, but I cannot…"}``). Config (all keys optional): ``phrases`` (more
phrases, plain text matched at the start, case ignored), ``severity`` (default ERROR).
"""

from __future__ import annotations

import dataclasses

from services.ai_quality_gate.core.checks import (
    Check,
    Output,
    Problem,
    RuleConfigError,
    config_object,
    severity_of,
    strings_of,
)
from services.ai_quality_gate.core.findings import RuleKind, Severity
from shared.values.patterns import compile_pattern

# "I can't", "I am unable to", "I'm not able to", ...
_I_CANT = (r"i(?: (?:can't|cannot|can not|won't|will not)"
           r"|(?: am|'m) (?:not able|unable|not allowed|not permitted) to)")
_HELP = (r"(?:help|assist|comply|fulfil|provide|complete|answer|do that|do this|support|"
         r"engage|generate|share|discuss)")
# Each anchored at the start of the (normalised, lower-case) answer.
PHRASES = (
    rf"(?:i'm|i am) sorry,? (?:but )?(?:as an ai,? )?{_I_CANT}",
    rf"(?:sorry|unfortunately|apologies),? (?:but )?{_I_CANT} {_HELP}",
    rf"{_I_CANT} {_HELP}",
    r"as an ai(?:,| (?:language )?model\b| assistant\b)",
    r"as a (?:large )?language model\b",
    r"i (?:must|have to|will have to) (?:decline|refuse)",
    rf"i'm afraid (?:that )?{_I_CANT}",
)
_REFUSAL = compile_pattern("^(?:" + "|".join(PHRASES) + ")")
_LEAD = " \t\r\n\"'`*#>_-"


def normalised(answer: str) -> str:
    """``answer`` as the phrases are matched against: leading quotes, markdown marks and white
    space dropped, curly apostrophes straightened, lower case, spaces collapsed (the first
    300 characters: a refusal says so at once)."""
    text = answer.lstrip(_LEAD)[:300].replace("\u2019", "'").replace("\u2018", "'")
    return " ".join(text.casefold().split())


@dataclasses.dataclass(frozen=True)
class RefusalCheck(Check):
    """The answer does not start as a refusal (a built-in phrase or one of ``phrases``)."""

    kind = RuleKind.REFUSAL

    phrases: tuple[str, ...] = ()
    severity: Severity = Severity.ERROR

    @classmethod
    def parse(cls, text: str) -> RefusalCheck:
        config = config_object(text, (), ("phrases", "severity"), empty_allowed=True)
        phrases = tuple(normalised(p) for p in strings_of(config, "phrases")) if (
            "phrases" in config) else ()
        if any(not p for p in phrases):
            raise RuleConfigError("`phrases` must hold words, not only marks or spaces")
        return cls(phrases, severity_of(config, Severity.ERROR))

    def refusal(self, answer: str) -> str | None:
        """The refusal ``answer`` starts with, or None."""
        text = normalised(answer)
        match = _REFUSAL.search(text)
        if match is not None:
            return match.group(0)
        return next((p for p in self.phrases if text.startswith(p)), None)

    def problems(self, output: Output) -> list[Problem]:
        for answer in output.strings:
            found = self.refusal(answer)
            if found is not None:
                return [Problem(f"output is a refusal or deflection ({found!r}…)",
                                "Do not refuse or talk about being an AI: answer the task "
                                "itself, or say precisely which part cannot be done and why.")]
        return []
