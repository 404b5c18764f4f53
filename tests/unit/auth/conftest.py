"""Fixtures of the auth service's unit tests: a migrated SQLite database, a clock the tests
move, and the auth domain wired to both (with cheap password hashing), with or without the
tenants the tests use."""

from __future__ import annotations

import datetime as dt
import pathlib
from collections.abc import AsyncIterator

import pytest

from services.auth.config import Settings
from services.auth.core.passwords import PasswordHashing
from services.auth.server import MIGRATIONS, AuthDomain, build_domain
from shared.database import DatabaseConnection
from shared.database.migrations import upgrade
from tests.unit.auth.support import HASHER, TENANTS, FakeClock, add_tenants


@pytest.fixture
async def db(tmp_path: pathlib.Path) -> AsyncIterator[DatabaseConnection]:
    database = DatabaseConnection(f"sqlite+aiosqlite:///{tmp_path}/x.db")
    await upgrade(database, MIGRATIONS)
    yield database
    await database.dispose()


@pytest.fixture
def clock() -> FakeClock:
    return FakeClock(dt.datetime(2026, 11, 25, 12, 0, tzinfo=dt.UTC))


@pytest.fixture
def settings(tmp_path: pathlib.Path) -> Settings:
    return Settings(mesh={"data_dir": str(tmp_path)})


@pytest.fixture
def bare_domain(db: DatabaseConnection, settings: Settings, clock: FakeClock) -> AuthDomain:
    """The domain over a database without tenants."""
    return build_domain(db, settings, clock=clock, passwords=PasswordHashing(HASHER))


@pytest.fixture
async def domain(bare_domain: AuthDomain, db: DatabaseConnection) -> AuthDomain:
    """The domain over a database with the TENANTS."""
    await add_tenants(db, *TENANTS)
    return bare_domain
