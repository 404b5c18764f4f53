"""The task-planner's tables and repositories; the only module of the service with SQL."""

from __future__ import annotations

import sqlalchemy as sa

from services.task_planner.core.models import Goal, GoalPriority, GoalState
from shared.database import DatabaseConnection, Repository, entity_columns, enum_column

metadata = sa.MetaData()


goals = sa.Table(
    "goals",
    metadata,
    *entity_columns(),
    sa.Column("description", sa.Text, nullable=False),
    sa.Column("state", enum_column(GoalState), nullable=False),
    sa.Column("priority", enum_column(GoalPriority), nullable=False),
    sa.Column("labels", sa.JSON, nullable=False),
    sa.Column("plan", sa.String(256), nullable=False),
    sa.Index("goals_by_tenant_time", "tenant", "create_time"),
)


def goal_repository(db: DatabaseConnection) -> Repository[Goal]:
    """Goals, tenant-scoped."""
    return Repository(db, goals, Goal, "goal")
