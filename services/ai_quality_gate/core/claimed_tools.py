"""RULE_KIND_CLAIMED_TOOLS: the output claims to have used a tool that did not run.

Of the request's ``known_tools``, those absent from ``tools_used`` are looked for in the
output where it says it used them: after a verb of use ("I ran execute_python", "using
http_request", "according to memory_search", "the output of web_search", "checked it with
http_request") or before a verb of reporting ("execute_python returned"). A tool merely
named ("execute_python is not needed") is no claim. Config (all keys optional): ``severity``
(default ERROR).
"""

from __future__ import annotations

import dataclasses

from services.ai_quality_gate.core.checks import (
    Check,
    Output,
    Problem,
    config_object,
    severity_of,
)
from services.ai_quality_gate.core.detectors import scanner
from services.ai_quality_gate.core.findings import RuleKind, Severity

_USE = (r"(?:ran|running|used|using|called|calling|invoked|invoking|executed|executing|"
        r"queried|querying|via|through|according to|per|results? (?:of|from)|"
        r"outputs? (?:of|from)|responses? (?:of|from)|"
        r"(?:checked|verified|confirmed|computed|calculated|fetched|retrieved|looked up)"
        r"(?:\s+(?:it|this|that|them))?\s+(?:with|in|by))")
_REPORT = (r"(?:returned|returns|showed|shows|reported|reports|gave|found|says|said|"
           r"responded|output|confirmed|confirms)")
_QUOTE = "[`'\"]?"
MAX_TOOLS = 256
# Names per pattern, so that a pattern stays well within RE2's program size limit.
_NAMES_PER_PATTERN = 16


def _literal(name: str) -> str:
    """``name`` as an RE2 literal."""
    return "".join(c if c.isalnum() or c == "_" else f"\\x{{{ord(c):x}}}" for c in name)


def _claims(names: tuple[str, ...]) -> str:
    """The RE2 pattern of a claim to have used one of ``names`` (group 1 or 2: the name)."""
    either = "|".join(_literal(n) for n in sorted(names, key=len, reverse=True))
    return (rf"(?i)\b{_USE}\s+(?:the\s+)?(?:tool\s+)?{_QUOTE}({either}){_QUOTE}(?:\W|$)"
            rf"|(?:^|\W){_QUOTE}({either}){_QUOTE}\s+(?:tool\s+)?{_REPORT}\b")


@dataclasses.dataclass(frozen=True)
class ClaimedToolsCheck(Check):
    """No known tool that did not run is claimed as used."""

    kind = RuleKind.CLAIMED_TOOLS

    severity: Severity = Severity.ERROR

    @classmethod
    def parse(cls, text: str) -> ClaimedToolsCheck:
        return cls(severity_of(config_object(text, (), ("severity",), empty_allowed=True),
                               Severity.ERROR))

    def problems(self, output: Output) -> list[Problem]:
        used = {name.casefold() for name in output.submission.tools_used}
        unused = tuple(sorted({n for n in output.submission.known_tools[:MAX_TOOLS]
                               if n.casefold() not in used}))
        if not unused:
            return []
        claimed: dict[str, int] = {}
        by_folded = {n.casefold(): n for n in unused}
        for i in range(0, len(unused), _NAMES_PER_PATTERN):
            names = unused[i:i + _NAMES_PER_PATTERN]
            for match in scanner(_claims(names)).finditer(output.text):
                start, end = match.span(1)
                if start < 0:
                    start, end = match.span(2)
                name = by_folded.get(output.text[start:end].casefold())
                if name is not None:
                    claimed[name] = min(start, claimed.get(name, start))
        return [Problem(f"output claims to have used the tool {name!r} (at character {at}), "
                        "which did not run",
                        f"Do not claim to have used {name}: it did not run. Use only results "
                        "you actually have, or call the tool.", name)
                for name, at in sorted(claimed.items(), key=lambda item: item[1])]
