"""The ai-runtime's tables and repositories; the only module of the service with SQL."""

from __future__ import annotations

import dataclasses
import datetime as dt
import time
from collections.abc import Mapping, Sequence
from typing import Any

import sqlalchemy as sa
from sqlalchemy.exc import IntegrityError

from services.ai_runtime.core.models import (
    COMPLETIONS,
    Attempt,
    AttemptOutcome,
    ChatMessage,
    Completion,
    Experiment,
    ExperimentState,
    MessageRole,
    ToolCall,
    Usage,
    UsageGroupBy,
    UsageRow,
    Variant,
)
from shared.database import (
    DatabaseConnection,
    PageRequest,
    Repository,
    UtcDateTime,
    entity_columns,
    enum_column,
)
from shared.errors import AlreadyExists
from shared.resources import names
from shared.resources.names import check_tenant_access
from shared.rpc import audit

metadata = sa.MetaData()


class VariantList(sa.types.TypeDecorator[list[Variant]]):
    """An experiment's variants as a JSON list of ``{"name", "prompt_version", "weight"}``."""

    impl = sa.JSON
    cache_ok = True

    def process_bind_param(self, value: list[Variant] | None,
                           dialect: Any) -> list[dict[str, Any]] | None:
        if value is None:
            return None
        return [{"name": v.name, "prompt_version": v.prompt_version, "weight": v.weight}
                for v in value]

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
    """Experiments, tenant-scoped, and which of them run for a role.

    Which experiment runs for a role is asked on every completion, so the answer is kept for
    ``RUNNING_TTL`` seconds; writes through this repository forget it at once (another
    replica's writes show within the TTL).
    """

    RUNNING_TTL = 2.0

    def __init__(self, db: DatabaseConnection, table: sa.Table, model: type[Experiment],
                 kind: str) -> None:
        super().__init__(db, table, model, kind)
        self._running: dict[tuple[str, str], tuple[float, Experiment | None]] = {}

    async def create(self, entity: Experiment) -> Experiment:
        self._running.clear()
        return await super().create(entity)

    async def update(self, entity: Experiment, expected_etag: str = "") -> Experiment:
        self._running.clear()
        return await super().update(entity, expected_etag)

    async def delete(self, tenant: str, id_: str) -> None:
        self._running.clear()
        await super().delete(tenant, id_)

    async def count_running(self, tenant: str, role: str) -> int:
        """How many of ``tenant``'s experiments for ``role`` are RUNNING."""
        c = self.table.c
        return await self.count(tenant, [c.role == role, c.state == ExperimentState.RUNNING])

    async def running_for(self, tenant: str, role: str) -> Experiment | None:
        """The experiment running for ``role`` in ``tenant``, if any (the newest one)."""
        self.check_tenant(tenant)
        kept = self._running.get((tenant, role))
        if kept is not None and kept[0] > time.monotonic():
            return kept[1]
        c = self.table.c
        page = await self.list(tenant, PageRequest(size=1),
                               [c.role == role, c.state == ExperimentState.RUNNING])
        found = page.items[0] if page.items else None
        self._running[(tenant, role)] = (time.monotonic() + self.RUNNING_TTL, found)
        return found


def experiment_repository(db: DatabaseConnection) -> ExperimentRepository:
    """Experiments, tenant-scoped."""
    return ExperimentRepository(db, experiments, Experiment, "experiment")


def _call_rows(calls: Sequence[ToolCall]) -> list[dict[str, str]]:
    return [{"id": c.id, "name": c.name, "arguments": c.arguments} for c in calls]


def _calls(rows: Sequence[Mapping[str, Any]]) -> tuple[ToolCall, ...]:
    return tuple(ToolCall(str(r["id"]), str(r["name"]), str(r["arguments"])) for r in rows)


class MessageList(sa.types.TypeDecorator[list[ChatMessage]]):
    """A conversation as a JSON list of ``{"role", "content"}`` (with ``tool_calls`` and
    ``tool_call_id`` where a message has them)."""

    impl = sa.JSON
    cache_ok = True

    def process_bind_param(self, value: list[ChatMessage] | None,
                           dialect: Any) -> list[dict[str, Any]] | None:
        if value is None:
            return None
        rows: list[dict[str, Any]] = []
        for m in value:
            row: dict[str, Any] = {"role": m.role.value, "content": m.content}
            if m.tool_calls:
                row["tool_calls"] = _call_rows(m.tool_calls)
            if m.tool_call_id:
                row["tool_call_id"] = m.tool_call_id
            rows.append(row)
        return rows

    def process_result_value(self, value: list[dict[str, Any]] | None,
                             dialect: Any) -> list[ChatMessage] | None:
        if value is None:
            return None
        return [ChatMessage(MessageRole(m["role"]), m["content"],
                            _calls(m.get("tool_calls", ())), m.get("tool_call_id", ""))
                for m in value]


class ToolCallList(sa.types.TypeDecorator[list[ToolCall]]):
    """Tool calls as a JSON list of ``{"id", "name", "arguments"}``."""

    impl = sa.JSON
    cache_ok = True

    def process_bind_param(self, value: list[ToolCall] | None,
                           dialect: Any) -> list[dict[str, str]] | None:
        return None if value is None else _call_rows(value)

    def process_result_value(self, value: list[dict[str, Any]] | None,
                             dialect: Any) -> list[ToolCall] | None:
        return None if value is None else list(_calls(value))


class AttemptList(sa.types.TypeDecorator[list[Attempt]]):
    """Provider attempts as a JSON list of ``{"provider", "outcome", "reason",
    "latency_seconds"}``."""

    impl = sa.JSON
    cache_ok = True

    def process_bind_param(self, value: list[Attempt] | None,
                           dialect: Any) -> list[dict[str, Any]] | None:
        if value is None:
            return None
        return [dataclasses.asdict(a) | {"outcome": a.outcome.value} for a in value]

    def process_result_value(self, value: list[dict[str, Any]] | None,
                             dialect: Any) -> list[Attempt] | None:
        if value is None:
            return None
        return [Attempt(a["provider"], AttemptOutcome(a["outcome"]), a["reason"],
                        float(a["latency_seconds"])) for a in value]


def _attribution_columns() -> list[sa.Column[Any]]:
    return [
        sa.Column("role", sa.String(64), nullable=False),
        sa.Column("provider", sa.String(64), nullable=False),
        sa.Column("model", sa.String(200), nullable=False),
        sa.Column("prompt_version", sa.String(130), nullable=False),
        sa.Column("goal", sa.String(200), nullable=False),
        sa.Column("agent", sa.String(200), nullable=False),
        sa.Column("experiment", sa.String(200), nullable=False),
        sa.Column("variant", sa.String(64), nullable=False),
        sa.Column("input_tokens", sa.BigInteger, nullable=False),
        sa.Column("output_tokens", sa.BigInteger, nullable=False),
        sa.Column("cost_micros", sa.BigInteger, nullable=False),
    ]


completions = sa.Table(
    "completions",
    metadata,
    *entity_columns(),
    *_attribution_columns(),
    sa.Column("messages", MessageList(), nullable=False),
    sa.Column("output", sa.Text, nullable=False),
    sa.Column("attempts", AttemptList(), nullable=False),
    sa.Column("request_id", sa.String(128), nullable=True),
    sa.Column("tool_calls", ToolCallList(), nullable=False),
    sa.Index("completions_by_tenant_time", "tenant", "create_time"),
    sa.Index("completions_by_tenant_request", "tenant", "request_id", unique=True),
)

# The ledger of charges, one row per completion or Embed call: budgets and GetUsage sum it.
# A completion's charge is written in the same transaction as the completion itself.
usage_records = sa.Table(
    "usage_records",
    metadata,
    sa.Column("tenant", sa.String(64), primary_key=True),
    sa.Column("id", sa.String(64), primary_key=True),
    sa.Column("kind", sa.String(16), nullable=False),
    *_attribution_columns(),
    sa.Column("create_time", UtcDateTime(), nullable=False),
    sa.Index("usage_records_by_tenant_time", "tenant", "create_time"),
)

_GROUP_COLUMNS = {
    UsageGroupBy.ROLE: "role", UsageGroupBy.PROVIDER: "provider", UsageGroupBy.MODEL: "model",
    UsageGroupBy.PROMPT_VERSION: "prompt_version", UsageGroupBy.GOAL: "goal",
    UsageGroupBy.AGENT: "agent",
}


@dataclasses.dataclass(frozen=True)
class Charge:
    """One row of the usage ledger."""

    tenant: str
    id: str
    kind: str
    role: str = ""
    provider: str = ""
    model: str = ""
    prompt_version: str = ""
    goal: str = ""
    agent: str = ""
    experiment: str = ""
    variant: str = ""
    input_tokens: int = 0
    output_tokens: int = 0
    cost_micros: int = 0
    create_time: dt.datetime = dataclasses.field(default_factory=lambda: dt.datetime.now(dt.UTC))


def charge_of(completion: Completion) -> Charge:
    """The ledger row of a completion."""
    return Charge(
        tenant=completion.tenant, id=completion.id, kind="completion", role=completion.role,
        provider=completion.provider, model=completion.model,
        prompt_version=completion.prompt_version, goal=completion.goal, agent=completion.agent,
        experiment=completion.experiment, variant=completion.variant,
        input_tokens=completion.input_tokens, output_tokens=completion.output_tokens,
        cost_micros=completion.cost_micros, create_time=completion.create_time)


# Statements of every Complete, built once (building and caching a statement costs more than
# running it).
_INSERT_CHARGE = sa.insert(usage_records)
_BY_REQUEST_ID = sa.select(completions).where(
    completions.c.tenant == sa.bindparam("b_tenant"),
    completions.c.request_id == sa.bindparam("b_request_id"))


class CompletionRepository(Repository[Completion]):
    """Completions and the usage ledger, tenant-scoped."""

    async def record(self, completion: Completion) -> Completion:
        """Store ``completion`` and its charge in one transaction, with the audit entry of the
        call being served (Complete).

        A completion whose request_id was already recorded is not stored or charged again;
        the first one is returned instead.

        Raises:
            AlreadyExists: The id is taken (never for a repeated request_id).
        """
        self.check_tenant(completion.tenant)
        name = names.format_name(completion.tenant, COMPLETIONS, completion.id)
        try:
            async with audit.transaction_with_entry(self.db, name) as conn:
                await conn.execute(self._insert, self._to_row(completion))
                await conn.execute(_INSERT_CHARGE, dataclasses.asdict(charge_of(completion)))
        except IntegrityError as error:
            if completion.request_id:
                first = await self.find_by_request_id(completion.tenant, completion.request_id)
                if first is not None:
                    return first
            raise AlreadyExists(f"completion {completion.id!r} already exists",
                                reason="COMPLETION_ALREADY_EXISTS") from error
        return completion

    async def find_by_request_id(self, tenant: str, request_id: str) -> Completion | None:
        """The completion recorded for this idempotency key, if any."""
        self.check_tenant(tenant)
        async with self.db.connect() as conn:
            row = (await conn.execute(_BY_REQUEST_ID, {
                "b_tenant": tenant, "b_request_id": request_id})).mappings().first()
        return None if row is None else self._from_row(row)


class UsageRepository:
    """Sums over the usage ledger, and charges that are not completions (embeddings)."""

    def __init__(self, db: DatabaseConnection) -> None:
        self.db = db

    async def charge_embedding(self, tenant: str, id_: str, provider: str, model: str,
                               usage: Usage) -> None:
        """Record the charge of an Embed call."""
        check_tenant_access(tenant)
        charge = Charge(tenant=tenant, id=id_, kind="embedding", provider=provider, model=model,
                        input_tokens=usage.input_tokens, output_tokens=usage.output_tokens,
                        cost_micros=usage.cost_micros)
        async with self.db.transaction() as conn:
            await conn.execute(sa.insert(usage_records), dataclasses.asdict(charge))

    async def spent(self, tenant: str) -> int:
        """Everything ``tenant`` was charged, in micro-dollars."""
        check_tenant_access(tenant)
        c = usage_records.c
        query = sa.select(sa.func.coalesce(sa.func.sum(c.cost_micros), 0)).where(
            c.tenant == tenant)
        async with self.db.connect() as conn:
            return int((await conn.execute(query)).scalar_one())

    async def summarize(self, tenant: str, group_by: UsageGroupBy,
                        start: dt.datetime | None, end: dt.datetime | None) -> list[UsageRow]:
        """Usage of ``tenant`` in [start, end) (completions and embeddings), summed per group,
        costliest first; ``completion_count`` counts the completions only."""
        check_tenant_access(tenant)
        c = usage_records.c
        key: sa.ColumnElement[Any] | None = None
        if group_by is UsageGroupBy.VARIANT:
            key = sa.case((c.variant == "", ""),
                          else_=c.experiment + "/variants/" + c.variant)
        elif group_by in _GROUP_COLUMNS:
            key = c[_GROUP_COLUMNS[group_by]]
        where = [c.tenant == tenant]
        if start is not None:
            where.append(c.create_time >= start)
        if end is not None:
            where.append(c.create_time < end)
        cost = sa.func.sum(c.cost_micros)
        sums = (sa.func.sum(c.input_tokens), sa.func.sum(c.output_tokens), cost,
                sa.func.sum(sa.case((c.kind == "completion", 1), else_=0)))
        if key is None:
            query = sa.select(sa.literal("").label("key"), *sums).where(*where)
        else:
            query = (sa.select(key.label("key"), *sums).where(*where).group_by(key)
                     .order_by(cost.desc(), key))
        async with self.db.connect() as conn:
            rows = [row for row in (await conn.execute(query)).all() if row[1] is not None]
        return [UsageRow(str(k or ""), Usage(int(i or 0), int(o or 0), int(m or 0)),
                         int(n or 0)) for k, i, o, m, n in rows]


def completion_repository(db: DatabaseConnection) -> CompletionRepository:
    """Completions, tenant-scoped."""
    return CompletionRepository(db, completions, Completion, "completion")
