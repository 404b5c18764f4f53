"""Settings of the auth service (``COGNOS_AUTH_*``)."""

from __future__ import annotations

from shared.config import ServiceSettings, settings_class
from shared.registry import by_name

SPEC = by_name("auth")
Settings: type[ServiceSettings] = settings_class(SPEC)
