"""The explainability service's table and repository; the only module of it with SQL."""

from __future__ import annotations

import datetime as dt
from typing import Any

import sqlalchemy as sa

from services.explainability.core.models import (
    Evidence,
    EvidenceKind,
    Explanation,
    ExplanationState,
)
from shared.database import DatabaseConnection, Repository, entity_columns, enum_column

metadata = sa.MetaData()


class EvidenceList(sa.types.TypeDecorator[tuple[Evidence, ...]]):
    """A tuple of :class:`Evidence` stored as a JSON list of objects."""

    impl = sa.JSON
    cache_ok = True

    def process_bind_param(self, value: tuple[Evidence, ...] | None,
                           dialect: Any) -> list[dict[str, str]] | None:
        if value is None:
            return None
        return [{"kind": e.kind.value, "source": e.source, "summary": e.summary,
                 "time": e.time.astimezone(dt.UTC).isoformat()} for e in value]

    def process_result_value(self, value: list[dict[str, str]] | None,
                             dialect: Any) -> tuple[Evidence, ...] | None:
        if value is None:
            return None
        return tuple(Evidence(kind=EvidenceKind(e["kind"]), source=e["source"],
                              summary=e["summary"], time=dt.datetime.fromisoformat(e["time"]))
                     for e in value)


explanations = sa.Table(
    "explanations",
    metadata,
    *entity_columns(),
    sa.Column("subject", sa.String(1024), nullable=False),
    sa.Column("question", sa.Text, nullable=False),
    sa.Column("state", enum_column(ExplanationState), nullable=False),
    sa.Column("answer", sa.Text, nullable=False),
    sa.Column("evidence", EvidenceList(), nullable=False),
    sa.Column("trace_id", sa.String(32), nullable=False),
    sa.Index("explanations_by_tenant_time", "tenant", "create_time"),
)


def explanation_repository(db: DatabaseConnection) -> Repository[Explanation]:
    """Explanations, tenant-scoped."""
    return Repository(db, explanations, Explanation, "explanation")
