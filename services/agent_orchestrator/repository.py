"""The agent-orchestrator's tables and repositories; the only module of the service with SQL."""

from __future__ import annotations

import sqlalchemy as sa

from services.agent_orchestrator.core.models import (
    Agent,
    AgentState,
    AssignmentStrategy,
    FailureStrategy,
)
from shared.database import (
    DatabaseConnection,
    Repository,
    UtcDateTime,
    entity_columns,
    enum_column,
)

metadata = sa.MetaData()


agents = sa.Table(
    "agents",
    metadata,
    *entity_columns(),
    sa.Column("display_name", sa.String(200), nullable=False),
    sa.Column("role", sa.String(64), nullable=False),
    sa.Column("capabilities", sa.JSON, nullable=False),
    sa.Column("max_concurrency", sa.Integer, nullable=False),
    sa.Column("assignment_strategy", enum_column(AssignmentStrategy), nullable=False),
    sa.Column("failure_strategy", enum_column(FailureStrategy), nullable=False),
    sa.Column("state", enum_column(AgentState), nullable=False),
    sa.Column("last_heartbeat_time", UtcDateTime(), nullable=False),
    sa.Column("active_assignments", sa.Integer, nullable=False),
    sa.Index("agents_by_tenant_time", "tenant", "create_time"),
)


def agent_repository(db: DatabaseConnection) -> Repository[Agent]:
    """Agents, tenant-scoped."""
    return Repository(db, agents, Agent, "agent")
