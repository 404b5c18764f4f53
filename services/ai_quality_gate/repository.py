"""The ai-quality-gate's tables and repositories; the only module of the service with SQL."""

from __future__ import annotations

import datetime as dt
from typing import Any

import sqlalchemy as sa

from services.ai_quality_gate.core.models import (
    Action,
    Finding,
    Policy,
    PolicyMode,
    QualityMetrics,
    Rule,
    RuleKind,
    Severity,
    Validation,
    Verdict,
    Verification,
)
from shared.database import (
    DatabaseConnection,
    Repository,
    entity_columns,
    enum_column,
)

metadata = sa.MetaData()
# Rows GetQualityMetrics returns at most.
MAX_METRICS_ROWS = 1000


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
    """A validation's findings as a JSON list of ``{"rule_index", "message", "severity",
    "kind", "category", "fix"}`` (the last three absent from findings recorded before they
    existed)."""

    impl = sa.JSON
    cache_ok = True

    def process_bind_param(self, value: list[Finding] | None,
                           dialect: Any) -> list[dict[str, Any]] | None:
        if value is None:
            return None
        return [{"rule_index": f.rule_index, "message": f.message, "severity": f.severity.value,
                 "kind": f.kind.value if f.kind else "", "category": f.category, "fix": f.fix}
                for f in value]

    def process_result_value(self, value: list[dict[str, Any]] | None,
                             dialect: Any) -> list[Finding] | None:
        if value is None:
            return None
        return [Finding(int(item["rule_index"]), str(item["message"]),
                        Severity(item["severity"]),
                        RuleKind(item["kind"]) if item.get("kind") else None,
                        str(item.get("category", "")), str(item.get("fix", "")))
                for item in value]


class VerificationColumn(sa.types.TypeDecorator[Verification]):
    """A second model's verdict as a JSON object (NULL: none)."""

    impl = sa.JSON
    cache_ok = True

    def process_bind_param(self, value: Verification | None,
                           dialect: Any) -> dict[str, Any] | None:
        if value is None:
            return None
        return {"role": value.role, "model": value.model, "agrees": value.agrees,
                "score": value.score, "reasons": list(value.reasons),
                "completion": value.completion}

    def process_result_value(self, value: dict[str, Any] | None,
                             dialect: Any) -> Verification | None:
        if value is None:
            return None
        return Verification(str(value["role"]), str(value["model"]), bool(value["agrees"]),
                            float(value["score"]), tuple(map(str, value["reasons"])),
                            str(value["completion"]))


policies = sa.Table(
    "policies",
    metadata,
    *entity_columns(),
    sa.Column("display_name", sa.String(200), nullable=False),
    sa.Column("rules", RuleList(), nullable=False),
    sa.Column("mode", enum_column(PolicyMode), nullable=False),
    sa.Column("agent_type", sa.String(64), nullable=False),
    sa.Column("revision", sa.BigInteger, nullable=False),
    sa.Column("on_failure", enum_column(Action), nullable=False),
    sa.Column("max_repair_rounds", sa.Integer, nullable=False),
    sa.Column("pass_score", sa.Float, nullable=False),
    sa.Index("policies_by_tenant_time", "tenant", "create_time"),
    sa.Index("policies_by_agent_type", "tenant", "agent_type", "create_time"),
)


class PolicyRepository(Repository[Policy]):
    """Policies, tenant-scoped."""

    def __init__(self, db: DatabaseConnection) -> None:
        super().__init__(db, policies, Policy, "policy")

    async def newest_for(self, tenant: str, agent_type: str) -> Policy | None:
        """The tenant's newest policy of ``agent_type``, else its newest with an empty
        agent_type, else None."""
        self.check_tenant(tenant)
        c = policies.c
        types = {agent_type, ""}
        query = (sa.select(policies)
                 .where(c.tenant == tenant, c.agent_type.in_(sorted(types)))
                 .order_by(sa.case((c.agent_type == "", 1), else_=0), c.create_time.desc(),
                           c.id.desc())
                 .limit(1))
        async with self.db.connect() as conn:
            row = (await conn.execute(query)).mappings().first()
        return None if row is None else self._from_row(row)


def policy_repository(db: DatabaseConnection) -> PolicyRepository:
    """Policies, tenant-scoped."""
    return PolicyRepository(db)


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
    sa.Column("action", enum_column(Action), nullable=False),
    sa.Column("agent_type", sa.String(64), nullable=False),
    sa.Column("prompt_version", sa.String(128), nullable=False),
    sa.Column("round", sa.Integer, nullable=False),
    sa.Column("policy_revision", sa.BigInteger, nullable=False),
    sa.Column("content_quality", sa.Float, nullable=False),
    sa.Column("verification", VerificationColumn(), nullable=True),
    sa.Index("validations_by_tenant_time", "tenant", "create_time"),
    sa.Index("validations_by_policy", "tenant", "policy", "create_time"),
    sa.Index("validations_by_subject", "tenant", "subject", "create_time"),
    sa.Index("validations_by_agent_type", "tenant", "agent_type", "prompt_version",
             "create_time"),
)


class ValidationRepository(Repository[Validation]):
    """Validations, tenant-scoped; a field without a column (the redacted content) is not
    kept."""

    def __init__(self, db: DatabaseConnection) -> None:
        super().__init__(db, validations, Validation, "validation")
        self._fields = [name for name in self._fields if name in validations.c]

    async def metrics(self, tenant: str, agent_type: str, prompt_version: str,
                      start: dt.datetime | None, end: dt.datetime | None
                      ) -> list[QualityMetrics]:
        """The tenant's validations in [start, end) summed per agent type and prompt version
        (only ``agent_type`` and ``prompt_version`` when not empty), ordered by both; at most
        MAX_METRICS_ROWS rows."""
        self.check_tenant(tenant)
        c = validations.c
        where = [c.tenant == tenant]
        if agent_type:
            where.append(c.agent_type == agent_type)
        if prompt_version:
            where.append(c.prompt_version == prompt_version)
        if start is not None:
            where.append(c.create_time >= start)
        if end is not None:
            where.append(c.create_time < end)

        def count(condition: sa.ColumnElement[bool]) -> sa.ColumnElement[Any]:
            return sa.func.sum(sa.case((condition, 1), else_=0))

        query = (sa.select(c.agent_type, c.prompt_version, sa.func.count(),
                           count(c.verdict == Verdict.PASS), sa.func.avg(c.score),
                           count(c.action == Action.REPAIR), count(c.action == Action.ESCALATE),
                           count(c.action == Action.REJECT))
                 .where(*where).group_by(c.agent_type, c.prompt_version)
                 .order_by(c.agent_type, c.prompt_version).limit(MAX_METRICS_ROWS))
        async with self.db.connect() as conn:
            rows = (await conn.execute(query)).all()
        return [QualityMetrics(str(a), str(p), int(n), int(ok or 0), float(mean or 0.0),
                               int(repairs or 0), int(escalations or 0), int(rejections or 0))
                for a, p, n, ok, mean, repairs, escalations, rejections in rows]
