"""Settings of the agent-orchestrator (``COGNOS_AGENT_ORCHESTRATOR_*``)."""

from __future__ import annotations

import datetime as dt

from pydantic_settings import SettingsConfigDict

from shared.config import ServiceSettings
from shared.registry import by_name

SPEC = by_name("agent-orchestrator")


class Settings(ServiceSettings):
    """The shared service settings plus the orchestrator's scheduling knobs."""

    model_config = SettingsConfigDict(env_prefix=SPEC.env_prefix, extra="ignore", frozen=True)

    # An agent whose last heartbeat is older than this becomes UNHEALTHY.
    heartbeat_timeout_seconds: float = 10.0
    # A running execution not completed within its lease is timed out and retried.
    execution_lease_seconds: float = 300.0
    # Seconds between supervision rounds (health check, reassignment, due claims); 0 = none.
    supervise_interval_seconds: float = 2.0

    @property
    def heartbeat_timeout(self) -> dt.timedelta:
        return dt.timedelta(seconds=self.heartbeat_timeout_seconds)

    @property
    def execution_lease(self) -> dt.timedelta:
        return dt.timedelta(seconds=self.execution_lease_seconds)
