"""Fixtures of the agent-orchestrator's unit tests: a migrated SQLite database."""

from __future__ import annotations

import datetime as dt
import pathlib
from collections.abc import AsyncIterator

import pytest

from services.agent_orchestrator.server import MIGRATIONS
from shared.database import DatabaseConnection, utc_now
from shared.database.migrations import upgrade


@pytest.fixture
async def db(tmp_path: pathlib.Path) -> AsyncIterator[DatabaseConnection]:
    database = DatabaseConnection(f"sqlite+aiosqlite:///{tmp_path}/x.db")
    await upgrade(database, MIGRATIONS)
    yield database
    await database.dispose()


class FakeClock:
    """A settable clock for the scheduler and the health monitor."""

    def __init__(self) -> None:
        self.now = utc_now()

    def __call__(self) -> dt.datetime:
        return self.now

    def advance(self, seconds: float) -> None:
        self.now += dt.timedelta(seconds=seconds)


@pytest.fixture
def clock() -> FakeClock:
    return FakeClock()
