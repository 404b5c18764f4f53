"""In-memory fakes of the ai-quality-gate's ports."""

from __future__ import annotations

import dataclasses

from services.ai_quality_gate.core.ports import CriticError, Verification


@dataclasses.dataclass
class Question:
    """What the critic was asked."""

    tenant: str
    role: str
    task: str
    output: str


class FakeCritic:
    """A critic that answers with ``verdict`` (agreeing, score 0.9, by default), or raises
    ``error``; it keeps every question."""

    def __init__(self, verdict: Verification | None = None,
                 error: CriticError | None = None) -> None:
        self.verdict = verdict
        self.error = error
        self.questions: list[Question] = []

    async def judge(self, tenant: str, role: str, task: str, output: str) -> Verification:
        self.questions.append(Question(tenant, role, task, output))
        if self.error is not None:
            raise self.error
        if self.verdict is not None:
            return dataclasses.replace(self.verdict, role=role)
        return Verification(role, "fake-model", True, 0.9, (),
                            f"tenants/{tenant}/completions/c{len(self.questions)}")
