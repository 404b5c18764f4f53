"""What the ai-quality-gate's domain needs from other services: a second model's judgement."""

from __future__ import annotations

import dataclasses
from typing import Protocol


@dataclasses.dataclass(frozen=True)
class Verification:
    """A second model's judgement of whether output answers its task.

    Attributes:
        role: The agent role the AI runtime completed for (``critic``).
        model: The model that judged.
        agrees: Whether it found that the output answers the task.
        score: Its score of the output, 0 to 1.
        reasons: Its reasons.
        completion: The AI runtime's record of the judgement (a completion's name).
    """

    role: str
    model: str
    agrees: bool
    score: float
    reasons: tuple[str, ...] = ()
    completion: str = ""


class CriticError(Exception):
    """The second model gave no judgement: the AI runtime failed or could not be reached, or
    the answer was not the JSON asked for. The message says which."""


class Critic(Protocol):
    """A second model, asked whether output answers a task."""

    async def judge(self, tenant: str, role: str, task: str, output: str) -> Verification:
        """The judgement of the model serving agent role ``role`` for ``tenant``.

        Raises:
            CriticError: No judgement could be had.
        """
        ...
