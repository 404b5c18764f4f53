"""Settings of the ai-quality-gate (``COGNOS_AI_QUALITY_GATE_*``)."""

from __future__ import annotations

from shared.config import ServiceSettings, settings_class
from shared.mesh.registry import by_name

SPEC = by_name("ai-quality-gate")
Settings: type[ServiceSettings] = settings_class(SPEC)
