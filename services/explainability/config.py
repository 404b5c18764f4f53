"""Settings of the explainability service (``COGNOS_EXPLAINABILITY_*``)."""

from __future__ import annotations

from shared.config import ServiceSettings, settings_class
from shared.mesh.registry import by_name

SPEC = by_name("explainability")
Settings: type[ServiceSettings] = settings_class(SPEC)
