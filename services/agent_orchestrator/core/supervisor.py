"""``Supervisor``: the orchestrator's periodic round of health checks, reassignment and claims."""

from __future__ import annotations

import asyncio
import contextlib
import logging

from services.agent_orchestrator.core.health import HealthMonitor
from services.agent_orchestrator.core.scheduler import Scheduler

log = logging.getLogger(__name__)


class Supervisor:
    """Runs :meth:`run_once` every ``interval`` seconds in the background.

    Args:
        monitor: Finds unhealthy agents and their assignments.
        scheduler: Reassigns those and starts due attempts.
        interval: Seconds between rounds.
    """

    def __init__(self, monitor: HealthMonitor, scheduler: Scheduler, interval: float) -> None:
        self._monitor = monitor
        self._scheduler = scheduler
        self._interval = interval
        self._task: asyncio.Task[None] | None = None

    async def run_once(self) -> tuple[int, int]:
        """One round; returns (assignments moved off unhealthy agents, attempts started)."""
        moved = await self._scheduler.reassign(await self._monitor.check())
        claimed = await self._scheduler.claim_due()
        return len(moved), len(claimed)

    def start(self) -> None:
        self._task = asyncio.create_task(self._loop())

    async def stop(self) -> None:
        if self._task is not None:
            self._task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._task
            self._task = None

    async def _loop(self) -> None:
        while True:
            try:
                moved, claimed = await self.run_once()
                if moved or claimed:
                    log.info("supervision: %d reassigned, %d attempts started", moved, claimed)
            except Exception:  # a failed round is retried next interval
                log.exception("supervision round failed")
            await asyncio.sleep(self._interval)
