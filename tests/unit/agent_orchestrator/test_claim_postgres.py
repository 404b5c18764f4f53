"""Claiming due assignments with SELECT … FOR UPDATE SKIP LOCKED on a real PostgreSQL."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator

import pytest
import sqlalchemy as sa

from services.agent_orchestrator.core.models import AssignmentState
from services.agent_orchestrator.repository import AssignmentStore, assignments
from services.agent_orchestrator.server import MIGRATIONS
from shared.database import DatabaseConnection
from shared.database.migrations import upgrade
from tests.unit.agent_orchestrator.conftest import FakeClock
from tests.unit.agent_orchestrator.scheduling import LEASE, add_agent, scheduler, task

TASKS = 12


@pytest.fixture
async def pg(postgres_url: str, postgres_schema: str) -> AsyncIterator[DatabaseConnection]:
    database = DatabaseConnection(postgres_url, schema=postgres_schema)
    await upgrade(database, MIGRATIONS)
    yield database
    await database.dispose()


async def expired_work(db: DatabaseConnection, clock: FakeClock) -> None:
    """TASKS running assignments whose leases have all expired."""
    for n in range(3):
        await add_agent(db, f"a{n}", max_concurrency=TASKS)
    started = (await scheduler(db, clock).schedule([task(f"t{n}") for n in range(TASKS)])
               ).started
    assert len(started) == TASKS
    clock.advance(LEASE.total_seconds())


async def test_concurrent_claimers_never_claim_the_same_assignment(
        pg: DatabaseConnection, postgres_url: str, postgres_schema: str, clock: FakeClock
        ) -> None:
    await expired_work(pg, clock)
    replicas = [DatabaseConnection(postgres_url, schema=postgres_schema) for _ in range(4)]

    async def claimer(db: DatabaseConnection) -> list[str]:
        won: list[str] = []
        while claimed := await AssignmentStore(db).claim_due(clock(), LEASE, limit=2):
            won += [a.id for a, _ in claimed]
        return won

    try:
        results = await asyncio.gather(*(claimer(db) for db in replicas))
    finally:
        for db in replicas:
            await db.dispose()

    claimed = [assignment_id for won in results for assignment_id in won]
    assert len(claimed) == TASKS
    assert len(set(claimed)) == TASKS
    async with pg.connect() as conn:
        attempts = (await conn.execute(sa.select(assignments.c.attempt))).scalars().all()
    assert sorted(attempts) == [2] * TASKS


async def test_a_claimer_skips_rows_another_replica_has_locked(
        pg: DatabaseConnection, postgres_url: str, postgres_schema: str, clock: FakeClock
        ) -> None:
    await expired_work(pg, clock)
    other = DatabaseConnection(postgres_url, schema=postgres_schema)
    try:
        async with other.transaction() as conn:
            locked = (await conn.execute(
                sa.select(assignments.c.id).order_by(assignments.c.id).limit(3)
                .with_for_update())).scalars().all()

            claimed = await asyncio.wait_for(
                AssignmentStore(pg).claim_due(clock(), LEASE, limit=TASKS), timeout=5)

        assert {a.id for a, _ in claimed}.isdisjoint(locked)
        assert len(claimed) == TASKS - 3
        assert all(a.state is AssignmentState.RUNNING for a, _ in claimed)
    finally:
        await other.dispose()
