"""``MeshAlerts``: the observability service as the orchestrator's :class:`Alerts`, called with
the orchestrator's own service identity."""

from __future__ import annotations

from cognition.observability.v1 import (
    alert_pb2,
    alert_rule_pb2,
    observability_service_pb2,
)
from services.agent_orchestrator.config import SUBJECT
from services.agent_orchestrator.core.ports import RaisedAlert
from shared import context
from shared.mesh.client import ServiceClient
from shared.mesh.methods import Unary

CREATE_ALERT = Unary.of(observability_service_pb2.CreateAlertRequest,
                         observability_service_pb2.CreateAlertResponse)

ALERT_SCOPES = frozenset({"alerts.write"})


class MeshAlerts:
    """Alerts raised in the observability service."""

    def __init__(self, client: ServiceClient):
        self._client = client

    async def raise_alert(self, alert: RaisedAlert) -> None:
        caller = context.CallContext(tenant=alert.tenant, subject=SUBJECT, scopes=ALERT_SCOPES)
        with context.bind(caller):
            await self._client.call(CREATE_ALERT, observability_service_pb2.CreateAlertRequest(
                parent=f"tenants/{alert.tenant}", request_id=alert.request_id,
                alert=alert_pb2.Alert(summary=alert.summary[:500],
                                      severity=alert_rule_pb2.SEVERITY_CRITICAL,
                                      source=SUBJECT, labels=alert.labels,
                                      description=alert.description[:4000])),
                idempotent=True)


    async def close(self) -> None:
        await self._client.close()
