"""A migrated audit-log database in a temporary directory, and the domain over it."""

from __future__ import annotations

import datetime as dt
import pathlib
from collections.abc import AsyncIterator

import pytest

from services.audit_log.core.log import AuditLog
from services.audit_log.repository import AuditEntryRepository, RetentionPolicyRepository
from services.audit_log.server import MIGRATIONS
from shared.database import DatabaseConnection, utc_now
from shared.database.migrations import upgrade


class Clock:
    """A clock the test moves by hand."""

    def __init__(self) -> None:
        self.now = utc_now()

    def __call__(self) -> dt.datetime:
        return self.now

    def advance(self, **delta: float) -> dt.datetime:
        self.now += dt.timedelta(**delta)
        return self.now


@pytest.fixture
async def db(tmp_path: pathlib.Path) -> AsyncIterator[DatabaseConnection]:
    connection = DatabaseConnection(f"sqlite+aiosqlite:///{tmp_path}/audit.db")
    await upgrade(connection, MIGRATIONS)
    yield connection
    await connection.dispose()


@pytest.fixture
def clock() -> Clock:
    return Clock()


def audit_log(db: DatabaseConnection, clock: Clock | None = None) -> AuditLog:
    """The domain over ``db`` (real time unless a clock is given)."""
    if clock is None:
        return AuditLog(AuditEntryRepository(db), RetentionPolicyRepository(db))
    return AuditLog(AuditEntryRepository(db), RetentionPolicyRepository(db), clock)
