"""Settings of the workflow-engine (``COGNOS_WORKFLOW_ENGINE_*``)."""

from __future__ import annotations

from shared.config import ServiceSettings, settings_class
from shared.mesh.registry import by_name

SPEC = by_name("workflow-engine")
Settings: type[ServiceSettings] = settings_class(SPEC)
