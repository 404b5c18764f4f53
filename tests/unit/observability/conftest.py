"""A migrated observability database in a temporary directory."""

from __future__ import annotations

import pathlib
from collections.abc import AsyncIterator

import pytest

from services.observability.server import MIGRATIONS
from shared.database import DatabaseConnection
from shared.database.migrations import upgrade


@pytest.fixture
async def db(tmp_path: pathlib.Path) -> AsyncIterator[DatabaseConnection]:
    connection = DatabaseConnection(f"sqlite+aiosqlite:///{tmp_path}/observability.db")
    await upgrade(connection, MIGRATIONS)
    yield connection
    await connection.dispose()
