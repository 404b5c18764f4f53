"""The observability service's tables and repositories; the only module of it with SQL."""

from __future__ import annotations

import datetime as dt

import sqlalchemy as sa

from services.observability.core.models import (
    Alert,
    AlertRule,
    AlertRuleState,
    AlertState,
    Comparison,
    Severity,
)
from shared.database import (
    DatabaseConnection,
    Repository,
    UtcDateTime,
    entity_columns,
    enum_column,
)
from shared.resources.entity import new_etag

metadata = sa.MetaData()


alert_rules = sa.Table(
    "alert_rules",
    metadata,
    *entity_columns(),
    sa.Column("display_name", sa.String(200), nullable=False),
    sa.Column("metric", sa.String(200), nullable=False),
    sa.Column("comparison", enum_column(Comparison), nullable=False),
    sa.Column("threshold", sa.Double, nullable=False),
    sa.Column("for_duration", sa.Interval, nullable=False),
    sa.Column("severity", enum_column(Severity), nullable=False),
    sa.Column("state", enum_column(AlertRuleState), nullable=False),
    sa.Index("alert_rules_by_tenant_time", "tenant", "create_time"),
)

alerts = sa.Table(
    "alerts",
    metadata,
    *entity_columns(),
    sa.Column("summary", sa.String(500), nullable=False),
    sa.Column("severity", enum_column(Severity), nullable=False),
    sa.Column("rule", sa.String(64), nullable=False),
    sa.Column("source", sa.String(200), nullable=False),
    sa.Column("labels", sa.JSON, nullable=False),
    sa.Column("description", sa.Text, nullable=False),
    sa.Column("state", enum_column(AlertState), nullable=False),
    sa.Column("start_time", UtcDateTime(), nullable=False),
    sa.Column("end_time", UtcDateTime(), nullable=True),
    sa.Index("alerts_by_tenant_time", "tenant", "create_time"),
    sa.Index("alerts_by_state", "tenant", "state", "create_time"),
)


def alert_rule_repository(db: DatabaseConnection) -> Repository[AlertRule]:
    """Alert rules, tenant-scoped."""
    return Repository(db, alert_rules, AlertRule, "alert rule")


class AlertRepository(Repository[Alert]):
    """Alerts, tenant-scoped, with a race-free resolve."""

    def __init__(self, db: DatabaseConnection) -> None:
        super().__init__(db, alerts, Alert, "alert")

    async def resolve(self, tenant: str, alert_id: str, now: dt.datetime) -> Alert | None:
        """Mark a FIRING alert RESOLVED at ``now``; None when it is missing or not FIRING."""
        condition = sa.and_(self._key(tenant, alert_id), self.table.c.state == AlertState.FIRING)
        async with self.db.transaction() as conn:
            result = await conn.execute(sa.update(self.table).where(condition).values(
                state=AlertState.RESOLVED, end_time=now, update_time=now, etag=new_etag()))
            if result.rowcount == 0:
                return None
            row = (await conn.execute(sa.select(self.table).where(
                self._key(tenant, alert_id)))).mappings().one()
        return self._from_row(row)
