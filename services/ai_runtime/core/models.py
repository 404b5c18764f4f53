"""Domain models of the ai-runtime."""

from __future__ import annotations

import dataclasses
import enum

from shared.database import Entity


class ExperimentState(enum.StrEnum):
    """Whether an experiment routes traffic."""

    RUNNING = "RUNNING"
    STOPPED = "STOPPED"


@dataclasses.dataclass(frozen=True)
class Variant:
    """One arm of an experiment: a prompt version (``executor/v2``) and its share of traffic."""

    name: str
    prompt_version: str
    weight: int


@dataclasses.dataclass(frozen=True, kw_only=True)
class Experiment(Entity):
    """An A/B test of prompt versions for one agent role."""

    display_name: str
    role: str
    variants: list[Variant] = dataclasses.field(default_factory=list)
    state: ExperimentState = ExperimentState.RUNNING
