"""``AlertService``: raising, listing and resolving alerts."""

from __future__ import annotations

import dataclasses
import datetime as dt
from collections.abc import Callable
from typing import Protocol

from services.observability.core.models import Alert, AlertState
from shared.errors import FailedPrecondition
from shared.resources.entity import utc_now
from shared.resources.standard import Readable
from shared.resources.store import ReadStore


class AlertStore(ReadStore[Alert], Protocol):
    """What ``AlertService`` needs of its repository."""

    async def create(self, entity: Alert) -> Alert: ...

    async def resolve(self, tenant: str, alert_id: str, now: dt.datetime) -> Alert | None:
        """Mark a FIRING alert RESOLVED at ``now``; None when it is missing or not FIRING."""
        ...


class AlertService(Readable[Alert]):
    """Alerts of every tenant, persisted through ``alerts``.

    Args:
        alerts: Repository of alerts.
        clock: Current UTC time; injected so tests can fix it.
    """

    def __init__(self, alerts: AlertStore,
                 clock: Callable[[], dt.datetime] = utc_now) -> None:
        super().__init__(alerts)
        self._alerts = alerts
        self._clock = clock

    async def raise_alert(self, alert: Alert) -> Alert:
        """Store a directly raised alert, FIRING from now (not from a rule)."""
        now = self._clock()
        return await self._alerts.create(dataclasses.replace(
            alert, rule="", state=AlertState.FIRING, create_time=now, update_time=now,
            start_time=now, end_time=None))

    async def resolve(self, tenant: str, alert_id: str) -> Alert:
        """Mark a firing alert RESOLVED, ending it now.

        Raises:
            NotFound: No such alert in this tenant.
            FailedPrecondition: The alert is already resolved.
        """
        resolved = await self._alerts.resolve(tenant, alert_id, self._clock())
        if resolved is not None:
            return resolved
        await self._alerts.get(tenant, alert_id)  # NotFound when it does not exist
        raise FailedPrecondition(f"alert {alert_id!r} is already resolved",
                                 reason="ALERT_ALREADY_RESOLVED", metadata={"id": alert_id})
