"""The migrations create exactly the tables the repository declares, and 0006 keeps what was
recorded before it."""

from __future__ import annotations

import pathlib
from collections.abc import AsyncIterator

import pytest
import sqlalchemy as sa
from alembic.script import ScriptDirectory

from services.ai_quality_gate.core.models import Action, Finding, PolicyMode, Severity, Verdict
from services.ai_quality_gate.repository import (
    ValidationRepository,
    metadata,
    policies,
    policy_repository,
    validations,
)
from services.ai_quality_gate.server import MIGRATIONS
from shared.database import DatabaseConnection, utc_now
from shared.database.migrations import alembic_config, upgrade
from tests.schema import schema_differences


async def test_migrations_match_the_repository_tables(tmp_path: pathlib.Path) -> None:
    db = DatabaseConnection(f"sqlite+aiosqlite:///{tmp_path}/quality.db")
    try:
        await upgrade(db, MIGRATIONS)
        async with db.connect() as conn:
            assert await conn.run_sync(schema_differences(metadata)) == []
            tables = await conn.run_sync(lambda c: sa.inspect(c).get_table_names())
        assert {"policies", "validations"} <= set(tables)
    finally:
        await db.dispose()


def test_0004_revises_0003() -> None:
    revision = ScriptDirectory.from_config(alembic_config(MIGRATIONS)).get_revision("0004")
    assert revision is not None
    assert (revision.revision, revision.down_revision) == ("0004", "0003")


def test_0006_revises_0005() -> None:
    revision = ScriptDirectory.from_config(alembic_config(MIGRATIONS)).get_revision("0006")
    assert revision is not None
    assert (revision.revision, revision.down_revision) == ("0006", "0005")


@pytest.fixture(params=["sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)])
async def db_at_0005(request: pytest.FixtureRequest,
                     tmp_path: pathlib.Path) -> AsyncIterator[DatabaseConnection]:
    if request.param == "sqlite":
        db = DatabaseConnection(f"sqlite+aiosqlite:///{tmp_path}/old.db")
    else:
        db = DatabaseConnection(request.getfixturevalue("postgres_url"),
                                schema=request.getfixturevalue("postgres_schema"))
    await upgrade(db, MIGRATIONS, "0005")
    yield db
    await db.dispose()


async def test_0006_keeps_what_was_recorded(db_at_0005: DatabaseConnection) -> None:
    """Policies and validations stored before 0006 read back with its defaults; a FAIL
    verdict's action is REJECT and the old score (the content heuristic) is the content
    quality."""
    db = db_at_0005
    now = utc_now()
    entity = {"tenant": "acme", "create_time": now, "update_time": now, "etag": "e"}
    async with db.transaction() as conn:
        await conn.execute(sa.insert(policies).values(
            **entity, id="p1", display_name="Old", rules=[], mode=PolicyMode.ENFORCE))
        for id_, verdict in (("v1", Verdict.PASS), ("v2", Verdict.FAIL)):
            await conn.execute(sa.insert(validations).values(
                **entity, id=id_, policy="p1", subject="", verdict=verdict, score=0.25,
                findings=[Finding(0, "m", Severity.ERROR)], mode=PolicyMode.ENFORCE))
    await upgrade(db, MIGRATIONS)

    policy = await policy_repository(db).get("acme", "p1")
    assert (policy.agent_type, policy.revision, policy.on_failure, policy.max_repair_rounds,
            policy.pass_score) == ("", 1, Action.REPAIR, 2, 0.7)
    stored = ValidationRepository(db)
    passed, failed = [await stored.get("acme", i) for i in ("v1", "v2")]
    assert (passed.action, failed.action) == (Action.ACCEPT, Action.REJECT)
    assert (failed.content_quality, failed.policy_revision, failed.round) == (0.25, 1, 0)
    assert failed.findings == [Finding(0, "m", Severity.ERROR)]
    assert failed.verification is None
