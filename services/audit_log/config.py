"""Settings of the audit-log (``COGNOS_AUDIT_LOG_*``)."""

from __future__ import annotations

from pydantic import Field
from pydantic_settings import SettingsConfigDict

from shared.config import ServiceSettings
from shared.mesh.registry import by_name

SPEC = by_name("audit-log")

DEFAULT_PURGE_INTERVAL_SECONDS = 3600.0


class Settings(ServiceSettings):
    """The shared service settings plus the audit-log's own."""

    model_config = SettingsConfigDict(env_prefix=SPEC.env_prefix, extra="ignore", frozen=True)

    # Seconds between retention purges (COGNOS_AUDIT_LOG_PURGE_INTERVAL_SECONDS).
    purge_interval_seconds: float = Field(default=DEFAULT_PURGE_INTERVAL_SECONDS, gt=0)
