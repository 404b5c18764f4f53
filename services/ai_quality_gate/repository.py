"""The ai-quality-gate's tables and repositories; the only module of the service with SQL."""

from __future__ import annotations

from typing import Any

import sqlalchemy as sa

from services.ai_quality_gate.core.models import (
    Finding,
    Policy,
    PolicyMode,
    Rule,
    RuleKind,
    Severity,
    Validation,
    Verdict,
)
from shared.database import (
    DatabaseConnection,
    Repository,
    entity_columns,
    enum_column,
)

metadata = sa.MetaData()


class RuleList(sa.types.TypeDecorator[list[Rule]]):
    """A policy's rules as a JSON list of ``{"kind", "config"}`` objects."""

    impl = sa.JSON
    cache_ok = True

    def process_bind_param(self, value: list[Rule] | None,
                           dialect: Any) -> list[dict[str, str]] | None:
        if value is None:
            return None
        return [{"kind": rule.kind.value, "config": rule.config} for rule in value]

    def process_result_value(self, value: list[dict[str, str]] | None,
                             dialect: Any) -> list[Rule] | None:
        if value is None:
            return None
        return [Rule(RuleKind(item["kind"]), item["config"]) for item in value]


class FindingList(sa.types.TypeDecorator[list[Finding]]):
    """A validation's findings as a JSON list of ``{"rule_index", "message", "severity"}``."""

    impl = sa.JSON
    cache_ok = True

    def process_bind_param(self, value: list[Finding] | None,
                           dialect: Any) -> list[dict[str, Any]] | None:
        if value is None:
            return None
        return [{"rule_index": f.rule_index, "message": f.message, "severity": f.severity.value}
                for f in value]

    def process_result_value(self, value: list[dict[str, Any]] | None,
                             dialect: Any) -> list[Finding] | None:
        if value is None:
            return None
        return [Finding(int(item["rule_index"]), str(item["message"]),
                        Severity(item["severity"])) for item in value]


policies = sa.Table(
    "policies",
    metadata,
    *entity_columns(),
    sa.Column("display_name", sa.String(200), nullable=False),
    sa.Column("rules", RuleList(), nullable=False),
    sa.Column("mode", enum_column(PolicyMode), nullable=False),
    sa.Index("policies_by_tenant_time", "tenant", "create_time"),
)


def policy_repository(db: DatabaseConnection) -> Repository[Policy]:
    """Policies, tenant-scoped."""
    return Repository(db, policies, Policy, "policy")


validations = sa.Table(
    "validations",
    metadata,
    *entity_columns(),
    sa.Column("policy", sa.String(64), nullable=False),
    sa.Column("subject", sa.String(1024), nullable=False),
    sa.Column("verdict", enum_column(Verdict), nullable=False),
    sa.Column("findings", FindingList(), nullable=False),
    sa.Column("score", sa.Float, nullable=False),
    sa.Column("mode", enum_column(PolicyMode), nullable=False),
    sa.Index("validations_by_tenant_time", "tenant", "create_time"),
    sa.Index("validations_by_policy", "tenant", "policy", "create_time"),
    sa.Index("validations_by_subject", "tenant", "subject", "create_time"),
)


class ValidationRepository(Repository[Validation]):
    """Validations, tenant-scoped."""

    def __init__(self, db: DatabaseConnection) -> None:
        super().__init__(db, validations, Validation, "validation")
