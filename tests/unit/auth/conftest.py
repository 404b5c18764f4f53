"""Fixtures of the auth service's unit tests: a migrated SQLite database."""

from __future__ import annotations

import pathlib
from collections.abc import AsyncIterator

import pytest

from services.auth.server import MIGRATIONS
from shared.database import DatabaseConnection
from shared.database.migrations import upgrade


@pytest.fixture
async def db(tmp_path: pathlib.Path) -> AsyncIterator[DatabaseConnection]:
    database = DatabaseConnection(f"sqlite+aiosqlite:///{tmp_path}/x.db")
    await upgrade(database, MIGRATIONS)
    yield database
    await database.dispose()
