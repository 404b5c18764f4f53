"""Replicas starting together create their service's PostgreSQL schema without a race."""

from __future__ import annotations

import asyncio

import sqlalchemy as sa

from shared.database import DatabaseConnection


async def test_replicas_creating_the_schema_at_once_all_succeed(postgres_url: str,
                                                                 postgres_schema: str) -> None:
    replicas = [DatabaseConnection(postgres_url, schema=postgres_schema) for _ in range(6)]
    try:
        await asyncio.gather(*(replica.ensure_schema() for replica in replicas))
        async with replicas[0].connect() as conn:
            found = (await conn.execute(sa.text(
                "SELECT count(*) FROM pg_namespace WHERE nspname = :name"),
                {"name": postgres_schema})).scalar_one()
    finally:
        for replica in replicas:
            await replica.dispose()
    assert found == 1
