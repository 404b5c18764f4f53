"""Settings of the memory service (``COGNOS_MEMORY_*``)."""

from __future__ import annotations

from shared.config import ServiceSettings, settings_class
from shared.mesh.registry import by_name

SPEC = by_name("memory")
Settings: type[ServiceSettings] = settings_class(SPEC)
