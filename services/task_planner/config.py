"""Settings of the task-planner (``COGNOS_TASK_PLANNER_*``)."""

from __future__ import annotations

from shared.config import ServiceSettings, settings_class
from shared.registry import by_name

SPEC = by_name("task-planner")
Settings: type[ServiceSettings] = settings_class(SPEC)
