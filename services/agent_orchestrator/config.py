"""Settings of the agent-orchestrator (``COGNOS_AGENT_ORCHESTRATOR_*``)."""

from __future__ import annotations

from shared.config import ServiceSettings, settings_class
from shared.registry import by_name

SPEC = by_name("agent-orchestrator")
Settings: type[ServiceSettings] = settings_class(SPEC)
