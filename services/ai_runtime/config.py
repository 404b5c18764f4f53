"""Settings of the ai-runtime (``COGNOS_AI_RUNTIME_*``)."""

from __future__ import annotations

from shared.config import ServiceSettings, settings_class
from shared.registry import by_name

SPEC = by_name("ai-runtime")
Settings: type[ServiceSettings] = settings_class(SPEC)
