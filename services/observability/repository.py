"""The observability service's tables and repositories; the only module of it with SQL."""

from __future__ import annotations

import sqlalchemy as sa

from services.observability.core.models import AlertRule, AlertRuleState, Comparison, Severity
from shared.database import DatabaseConnection, Repository, entity_columns, enum_column

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


def alert_rule_repository(db: DatabaseConnection) -> Repository[AlertRule]:
    """Alert rules, tenant-scoped."""
    return Repository(db, alert_rules, AlertRule, "alert rule")
