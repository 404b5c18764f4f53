"""The ai-runtime's tables and repositories; the only module of the service with SQL."""

from __future__ import annotations

import dataclasses
from typing import Any

import sqlalchemy as sa

from services.ai_runtime.core.models import Experiment, ExperimentState, Variant
from shared.database import DatabaseConnection, Repository, entity_columns, enum_column

metadata = sa.MetaData()


class VariantList(sa.types.TypeDecorator[list[Variant]]):
    """An experiment's variants as a JSON list of ``{"name", "prompt_version", "weight"}``."""

    impl = sa.JSON
    cache_ok = True

    def process_bind_param(self, value: list[Variant] | None,
                           dialect: Any) -> list[dict[str, Any]] | None:
        if value is None:
            return None
        return [dataclasses.asdict(variant) for variant in value]

    def process_result_value(self, value: list[dict[str, Any]] | None,
                             dialect: Any) -> list[Variant] | None:
        if value is None:
            return None
        return [Variant(**item) for item in value]


experiments = sa.Table(
    "experiments",
    metadata,
    *entity_columns(),
    sa.Column("display_name", sa.String(200), nullable=False),
    sa.Column("role", sa.String(64), nullable=False),
    sa.Column("variants", VariantList(), nullable=False),
    sa.Column("state", enum_column(ExperimentState), nullable=False),
    sa.Index("experiments_by_tenant_time", "tenant", "create_time"),
    sa.Index("experiments_by_tenant_role", "tenant", "role"),
)


class ExperimentRepository(Repository[Experiment]):
    """Experiments, tenant-scoped, and which of them run for a role."""

    async def count_running(self, tenant: str, role: str) -> int:
        """How many of ``tenant``'s experiments for ``role`` are RUNNING."""
        c = self.table.c
        return await self.count(tenant, [c.role == role, c.state == ExperimentState.RUNNING])


def experiment_repository(db: DatabaseConnection) -> ExperimentRepository:
    """Experiments, tenant-scoped."""
    return ExperimentRepository(db, experiments, Experiment, "experiment")
