"""Settings of the audit-log (``COGNOS_AUDIT_LOG_*``)."""

from __future__ import annotations

from shared.config import ServiceSettings, settings_class
from shared.registry import by_name

SPEC = by_name("audit-log")
Settings: type[ServiceSettings] = settings_class(SPEC)
