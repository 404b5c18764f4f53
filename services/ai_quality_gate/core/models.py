"""Domain models of the ai-quality-gate."""

from __future__ import annotations

import dataclasses
import enum

from services.ai_quality_gate.core.findings import (
    Finding,
    Rule,
    RuleKind,
    Severity,
    Submission,
    feedback_of,
)
from services.ai_quality_gate.core.ports import Verification
from shared.resources.entity import Entity

__all__ = ["Action", "Finding", "Policy", "PolicyMode", "QualityMetrics", "Rule", "RuleKind",
           "Severity", "Submission", "Validation", "ValidationRequest", "Verdict",
           "Verification"]

DEFAULT_MAX_REPAIR_ROUNDS = 2
DEFAULT_PASS_SCORE = 0.7


class PolicyMode(enum.StrEnum):
    """What happens to output that fails a policy."""

    ENFORCE = "ENFORCE"
    AUDIT = "AUDIT"


class Action(enum.StrEnum):
    """What the caller is to do with judged output."""

    ACCEPT = "ACCEPT"
    REJECT = "REJECT"
    REPAIR = "REPAIR"
    ESCALATE = "ESCALATE"


@dataclasses.dataclass(frozen=True, kw_only=True)
class Policy(Entity):
    """A set of rules that AI output must satisfy, and what happens to output that does not.

    ``agent_type`` empty means any agent type; ``revision`` is 1 when created and one more
    on every update.
    """

    display_name: str
    rules: list[Rule] = dataclasses.field(default_factory=list)
    mode: PolicyMode = PolicyMode.ENFORCE
    agent_type: str = ""
    revision: int = 1
    on_failure: Action = Action.REPAIR
    max_repair_rounds: int = DEFAULT_MAX_REPAIR_ROUNDS
    pass_score: float = DEFAULT_PASS_SCORE


class Verdict(enum.StrEnum):
    """Outcome of checking output against a policy."""

    PASS = "PASS"
    FAIL = "FAIL"


@dataclasses.dataclass(frozen=True, kw_only=True)
class Validation(Entity):
    """The record of one output checked against one policy of the same tenant.

    ``policy`` is the policy's id (empty: the built-in default policy); ``mode`` is the
    policy's mode at the time, which explains a PASS with error findings (AUDIT). The content
    itself is not kept: ``redacted_content`` is returned by the validation that made it, and
    is empty on a validation read back.
    """

    policy: str
    subject: str = ""
    verdict: Verdict
    findings: list[Finding] = dataclasses.field(default_factory=list)
    score: float = 0.0
    mode: PolicyMode = PolicyMode.ENFORCE
    action: Action = Action.ACCEPT
    agent_type: str = ""
    prompt_version: str = ""
    round: int = 0
    policy_revision: int = 1
    content_quality: float = 0.0
    verification: Verification | None = None
    redacted_content: str = ""

    @property
    def reasons(self) -> list[str]:
        """The findings' messages."""
        return [f.message for f in self.findings]

    @property
    def feedback(self) -> str:
        """What the producing agent must fix: one line per finding it can fix."""
        return feedback_of(self.findings)


@dataclasses.dataclass(frozen=True)
class ValidationRequest:
    """An output to judge and what is known of it.

    Attributes:
        submission: The output, with what the rules read besides (output schema, tools).
        policy: Id of the policy to judge it by; empty: the tenant's policy for
            ``agent_type``, else the built-in default.
        subject: What the output belongs to (a task's name); recorded.
        agent_type: The producing agent's type (``executor``).
        prompt_version: The prompt version it was produced with (``executor/v2``).
        round: 0 for a first answer, n for the nth repair.
        task_description: The task the output answers (for a cross-check).
    """

    submission: Submission
    policy: str = ""
    subject: str = ""
    agent_type: str = ""
    prompt_version: str = ""
    round: int = 0
    task_description: str = ""


@dataclasses.dataclass(frozen=True)
class QualityMetrics:
    """The validations of one agent type and prompt version, summed."""

    agent_type: str
    prompt_version: str
    validations: int
    passed: int
    mean_score: float
    repairs: int
    escalations: int
    rejections: int
