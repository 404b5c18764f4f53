"""RULE_KIND_CROSS_CHECK: a second model judges whether the output answers its task.

Config (all keys optional): ``role`` (the AI runtime's agent role to ask, default
``critic``), ``min_score`` (0 to 1, default 0), ``severity`` (default ERROR). The config is
checked with the other rules (in the evaluation workers); the check itself runs in the server
(:func:`cross_check`), which can call the AI runtime. Disagreement, a score below
``min_score``, or no judgement at all (the runtime failed or cannot be reached: that is no
pass) is a finding.
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
)
from services.ai_quality_gate.core.findings import Finding, RuleKind, Severity
from services.ai_quality_gate.core.ports import Critic, CriticError, Verification
from shared.values.patterns import compile_pattern

DEFAULT_ROLE = "critic"
_ROLE = compile_pattern(r"^[a-z][a-z0-9_-]{0,62}$")


@dataclasses.dataclass(frozen=True)
class CrossCheckConfig(Check):
    """A cross-check's settings; as a local check it finds nothing (the server runs it)."""

    kind = RuleKind.CROSS_CHECK

    role: str = DEFAULT_ROLE
    min_score: float = 0.0
    severity: Severity = Severity.ERROR

    @classmethod
    def parse(cls, text: str) -> CrossCheckConfig:
        config = config_object(text, (), ("role", "min_score", "severity"), empty_allowed=True)
        role = config.get("role", DEFAULT_ROLE)
        if not isinstance(role, str) or _ROLE.fullmatch(role) is None:
            raise RuleConfigError("`role` must be an agent role: lowercase letters, digits, "
                                  "`_` and `-`, starting with a letter, at most 63 characters")
        min_score = config.get("min_score", 0)
        if (not isinstance(min_score, int | float) or isinstance(min_score, bool)
                or not 0 <= min_score <= 1):
            raise RuleConfigError("`min_score` must be a number from 0 to 1")
        return cls(role, float(min_score), severity_of(config, Severity.ERROR))

    def problems(self, output: Output) -> list[Problem]:
        return []


async def cross_check(critic: Critic, config: CrossCheckConfig, rule_index: int,
                      tenant: str, task: str, output: str
                      ) -> tuple[Verification | None, list[Finding]]:
    """Ask ``critic`` about ``output``: its verdict (None when it gave none) and the findings
    of rule ``rule_index``."""

    def finding(message: str, fix: str = "") -> Finding:
        return Finding(rule_index, message, config.severity, RuleKind.CROSS_CHECK, "", fix)

    try:
        verdict = await critic.judge(tenant, config.role, task, output)
    except CriticError as error:
        return None, [finding(f"the cross-check by role {config.role!r} could not run, so the "
                              f"output is not verified: {error}")]
    reasons = "; ".join(verdict.reasons) or "no reason given"
    findings = []
    if not verdict.agrees:
        findings.append(finding(
            f"the cross-check by {verdict.model} ({config.role}) finds that the output does not "
            f"answer the task: {reasons}",
            f"A reviewer found that the answer misses the task: {reasons}. Answer the task "
            "itself."))
    elif verdict.score < config.min_score:
        findings.append(finding(
            f"the cross-check by {verdict.model} ({config.role}) scores the output "
            f"{verdict.score:.2f}, below the minimum {config.min_score:g}: {reasons}",
            f"A reviewer rated the answer low: {reasons}. Improve it on those points."))
    return verdict, findings
