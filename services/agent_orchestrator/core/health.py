"""``HealthMonitor``: agents that stop heartbeating become UNHEALTHY and lose their work."""

from __future__ import annotations

import datetime as dt

from services.agent_orchestrator.core.models import Assignment, Clock
from services.agent_orchestrator.core.stores import HealthStore
from shared.resources.entity import utc_now

DEFAULT_HEARTBEAT_TIMEOUT = dt.timedelta(seconds=10)


class HealthMonitor:
    """Marks agents without a recent heartbeat UNHEALTHY (every tenant).

    Args:
        store: The durable agents and assignments.
        timeout: How old the last heartbeat may be before the agent is unhealthy.
        clock: Current time.
    """

    def __init__(self, store: HealthStore,
                 timeout: dt.timedelta = DEFAULT_HEARTBEAT_TIMEOUT,
                 clock: Clock = utc_now) -> None:
        self._store = store
        self._timeout = timeout
        self._clock = clock

    async def check(self) -> list[Assignment]:
        """Mark late agents UNHEALTHY; return the live assignments of every UNHEALTHY,
        OFFLINE or deleted agent, to be reassigned (also those of earlier checks, so a crash
        between marking and reassigning loses nothing)."""
        now = self._clock()
        await self._store.mark_unhealthy(now - self._timeout, now)
        return await self._store.orphaned_assignments()
