"""The critic agent: judges upstream results against their acceptance criteria."""

from __future__ import annotations

from typing import Any, ClassVar

from google.protobuf.message import Message

from cognition.agents.v1 import agent_io_pb2
from shared.agents.base import AgentFailure, AgentType, register


@register
class CriticAgent(AgentType):
    """A FAIL verdict fails the task; its failure strategy escalates to an operator."""

    role = "critic"
    output = agent_io_pb2.CriticOutput
    required: ClassVar[tuple[str, ...]] = ("verdict",)
    failure_strategy = "escalate"

    def normalize(self, answer: dict[str, Any]) -> dict[str, Any]:
        verdict = answer.get("verdict")
        if isinstance(verdict, str) and not verdict.startswith("CRITIC_VERDICT_"):
            answer = {**answer, "verdict": f"CRITIC_VERDICT_{verdict.upper()}"}
        return answer

    def accept(self, output: Message) -> None:
        if output.verdict == agent_io_pb2.CRITIC_VERDICT_FAIL:  # type: ignore[attr-defined]
            issues = "; ".join(output.issues) or "no reason given"  # type: ignore[attr-defined]
            raise AgentFailure("CRITIC_FAILED", f"the critic rejected the work: {issues}",
                               retryable=False)

    def result_text(self, output: Message) -> str:
        """``pass``, or ``fail: <issues>`` (a failing verdict fails the attempt first)."""
        issues = "; ".join(output.issues)  # type: ignore[attr-defined]
        passed = output.verdict == agent_io_pb2.CRITIC_VERDICT_PASS  # type: ignore[attr-defined]
        verdict = "pass" if passed else "fail"
        return f"{verdict}: {issues}" if issues else verdict
