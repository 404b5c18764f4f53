"""Settings of the observability service (``COGNOS_OBSERVABILITY_*``)."""

from __future__ import annotations

from shared.config import ServiceSettings, settings_class
from shared.mesh.registry import by_name

SPEC = by_name("observability")
Settings: type[ServiceSettings] = settings_class(SPEC)
