"""Fixtures shared by every test: PostgreSQL discovery."""

from __future__ import annotations

import asyncio
import concurrent.futures
import os
import secrets
import sys
from collections.abc import Awaitable, Iterator
from typing import TypeVar

import asyncpg
import pytest

from shared.database.admin import drop_schemas
from tests.helpers import TEST_MESH_SECRET

# Every server and mesh the tests start shares this secret, so tests can sign calls as the
# mesh does (tests.helpers.service_credential).
os.environ["COGNOS_MESH_SECRET"] = TEST_MESH_SECRET

POSTGRES_URL = os.environ.get("COGNOS_TEST_POSTGRES_URL",
                              "postgresql+asyncpg://postgres@127.0.0.1:5432/test")

T = TypeVar("T")


async def _postgres_reachable() -> bool:
    dsn = POSTGRES_URL.replace("postgresql+asyncpg", "postgresql")
    try:
        conn = await asyncpg.connect(dsn, timeout=3)
    except (OSError, asyncpg.PostgresError, TimeoutError):
        return False
    await conn.close()
    return True


def run_sync(coro: Awaitable[T]) -> T:
    """Run ``coro`` to completion on a private loop in a worker thread (for sync fixtures)."""
    with concurrent.futures.ThreadPoolExecutor(1) as pool:
        return pool.submit(asyncio.run, coro).result()  # type: ignore[arg-type]


@pytest.fixture(scope="session")
def postgres_url() -> str:
    """URL of a reachable PostgreSQL; skips loudly when none is (fails under CI)."""
    if not run_sync(_postgres_reachable()):
        message = f"PostgreSQL is NOT reachable at {POSTGRES_URL}: PostgreSQL tests SKIPPED"
        if os.environ.get("CI"):
            pytest.fail(message + " (CI must reach it)")
        sys.stderr.write(f"\n!!! {message} !!!\n")
        pytest.skip(message)
    return POSTGRES_URL


@pytest.fixture
def postgres_schema(postgres_url: str) -> Iterator[str]:
    """A fresh schema name, dropped after the test."""
    schema = f"test_{secrets.token_hex(4)}"
    yield schema
    run_sync(drop_schemas(postgres_url, schema))
