"""Domain models of the workflow-engine."""

from __future__ import annotations

import dataclasses
import enum

from shared.resources.entity import Entity


class WorkflowState(enum.StrEnum):
    """Whether a workflow may run."""

    ACTIVE = "ACTIVE"
    DISABLED = "DISABLED"


@dataclasses.dataclass(frozen=True, kw_only=True)
class Workflow(Entity):
    """A workflow written in the YAML DSL; ``version`` counts changes of its definition.

    A stored revision is the same model as of that version (with an empty etag).
    """

    display_name: str
    definition_yaml: str
    version: int = 1
    # Five-field cron expression (UTC); empty means on demand only.
    schedule: str = ""
    state: WorkflowState = WorkflowState.ACTIVE
