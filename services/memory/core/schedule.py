"""``LifecycleSchedule``: the lifecycle jobs every tenant's policies ask for, run once per
interval.

Each pass runs GC, ARCHIVE_STALE and COMPRESS over the namespaces with a policy of every
tenant that has one. A job's id names its kind and the start of its interval, and it judges
memories at that start: two replicas, or a restart, in the same interval run (or resume, or
find finished) the same jobs rather than new ones.
"""

from __future__ import annotations

import datetime as dt
import logging
from typing import Protocol

from services.memory.core.jobs import MemoryJobs
from services.memory.core.models import MemoryJob, MemoryJobKind

log = logging.getLogger(__name__)

SCHEDULED = (MemoryJobKind.GC, MemoryJobKind.ARCHIVE_STALE, MemoryJobKind.COMPRESS)


class PolicyTenants(Protocol):
    """The tenants with a namespace governed by a lifecycle policy."""

    async def tenants_with_policies(self) -> list[str]: ...


def scheduled_job_id(kind: MemoryJobKind, start: dt.datetime) -> str:
    """The id of the scheduled job of ``kind`` for the interval starting at ``start``."""
    return f"scheduled-{kind.lower().replace('_', '-')}-{int(start.timestamp())}"


class LifecycleSchedule:
    """Runs the scheduled lifecycle jobs.

    Args:
        jobs: Runs jobs.
        tenants: Finds the tenants with policies.
        interval: How often the jobs run.
    """

    def __init__(self, jobs: MemoryJobs, tenants: PolicyTenants, interval: dt.timedelta) -> None:
        if interval <= dt.timedelta(0):
            raise ValueError("the lifecycle interval must be positive")
        self._jobs = jobs
        self._tenants = tenants
        self._interval = interval

    def interval_start(self, now: dt.datetime) -> dt.datetime:
        """The start of the interval ``now`` falls in (intervals count from the epoch)."""
        seconds = self._interval.total_seconds()
        return dt.datetime.fromtimestamp(now.timestamp() // seconds * seconds, dt.UTC)

    async def run_due(self, now: dt.datetime) -> list[MemoryJob]:
        """Run (or resume, or find finished) the jobs of the interval ``now`` falls in, for
        every tenant with a policy; returns them. A job that fails is reported FAILED, and
        does not hold the others back."""
        start = self.interval_start(now)
        ran: list[MemoryJob] = []
        for tenant in await self._tenants.tenants_with_policies():
            for kind in SCHEDULED:
                job = MemoryJob(tenant=tenant, id=scheduled_job_id(kind, start), kind=kind,
                                scheduled=True)
                try:
                    ran.append(await self._jobs.run(job, now=start))
                except Exception:  # one tenant's refusal (a namespace gone) stops no other
                    log.warning("scheduled memory job %s of tenant %s could not run", job.id,
                                tenant, exc_info=True)
        return ran
