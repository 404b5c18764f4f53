"""Settings of the agent-orchestrator (``COGNOS_AGENT_ORCHESTRATOR_*``)."""

from __future__ import annotations

import datetime as dt

from pydantic_settings import SettingsConfigDict

from shared.config import ServiceSettings
from shared.mesh.registry import by_name

SPEC = by_name("agent-orchestrator")
# The orchestrator's identity in its calls to other services, its built-in agents' included.
SUBJECT = "services/agent-orchestrator"


class Settings(ServiceSettings):
    """The shared service settings plus the orchestrator's scheduling knobs."""

    model_config = SettingsConfigDict(env_prefix=SPEC.env_prefix, extra="ignore", frozen=True)

    # An agent whose last heartbeat is older than this becomes UNHEALTHY.
    heartbeat_timeout_seconds: float = 10.0
    # A running execution not completed within its lease is timed out and retried.
    execution_lease_seconds: float = 300.0
    # Seconds between supervision rounds (health check, reassignment, due claims); 0 = none.
    supervise_interval_seconds: float = 2.0

    # Seconds between dispatch rounds when no finished task wakes the loop; 0 = no dispatching
    # (tasks are then only run by agents that take their assignments themselves).
    dispatch_interval_seconds: float = 0.25
    # max_concurrency of each built-in agent (one per role and tenant on each replica).
    builtin_agent_concurrency: int = 32
    # Stable id of this replica's built-in agents; empty = derived from host name and port.
    host_id: str = ""
    # Most seconds a built-in agent's attempt waits in all for peers of the mesh (memory, AI
    # runtime, quality gate) that cannot be reached before it fails and counts as an attempt.
    peer_wait_seconds: float = 120.0

    @property
    def heartbeat_timeout(self) -> dt.timedelta:
        return dt.timedelta(seconds=self.heartbeat_timeout_seconds)

    @property
    def execution_lease(self) -> dt.timedelta:
        return dt.timedelta(seconds=self.execution_lease_seconds)
