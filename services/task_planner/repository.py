"""The task-planner's tables and repositories; the only module of the service with SQL."""

from __future__ import annotations

import sqlalchemy as sa

from shared.database import DatabaseConnection, Repository
from shared.database.repository import entity_columns
from services.task_planner.core.models import Goal, GoalPriority, GoalState

metadata = sa.MetaData()


def _enum(enum_class: type[GoalState] | type[GoalPriority]) -> sa.Enum:
    return sa.Enum(enum_class, native_enum=False, length=32,
                   values_callable=lambda e: [m.value for m in e])


goals = sa.Table(
    "goals",
    metadata,
    *entity_columns(),
    sa.Column("description", sa.Text, nullable=False),
    sa.Column("state", _enum(GoalState), nullable=False),
    sa.Column("priority", _enum(GoalPriority), nullable=False),
    sa.Column("labels", sa.JSON, nullable=False),
    sa.Column("plan", sa.String(256), nullable=False),
    sa.Index("goals_by_tenant_time", "tenant", "create_time"),
)


def goal_repository(db: DatabaseConnection) -> Repository[Goal]:
    """Goals, tenant-scoped."""
    return Repository(db, goals, Goal, "goal")
