"""Fixtures of the ai-quality-gate's unit tests: a migrated database (SQLite, and PostgreSQL
when reachable) and the rule evaluator's worker processes."""

from __future__ import annotations

import pathlib
from collections.abc import AsyncIterator

import pytest

from services.ai_quality_gate.core.evaluation import RuleEvaluator
from services.ai_quality_gate.server import MIGRATIONS
from shared.database import DatabaseConnection
from shared.database.migrations import upgrade


@pytest.fixture(params=["sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)])
async def db(request: pytest.FixtureRequest,
             tmp_path: pathlib.Path) -> AsyncIterator[DatabaseConnection]:
    """The gate's migrated database, on SQLite and (when reachable) PostgreSQL."""
    if request.param == "sqlite":
        database = DatabaseConnection(f"sqlite+aiosqlite:///{tmp_path}/x.db")
    else:
        database = DatabaseConnection(request.getfixturevalue("postgres_url"),
                                      schema=request.getfixturevalue("postgres_schema"))
    await upgrade(database, MIGRATIONS)
    yield database
    await database.dispose()


@pytest.fixture(scope="session")
async def evaluator() -> AsyncIterator[RuleEvaluator]:
    """One pool of worker processes for the session (each takes a moment to start)."""
    workers = RuleEvaluator()
    yield workers
    await workers.close()
