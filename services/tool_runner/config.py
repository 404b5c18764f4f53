"""Settings of the tool-runner (``COGNOS_TOOL_RUNNER_*``)."""

from __future__ import annotations

from shared.config import ServiceSettings, settings_class
from shared.mesh.registry import by_name

SPEC = by_name("tool-runner")
Settings: type[ServiceSettings] = settings_class(SPEC)
