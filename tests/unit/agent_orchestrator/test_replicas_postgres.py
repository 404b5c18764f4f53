"""Orchestrator replicas sharing a real PostgreSQL: claiming due assignments with
SELECT … FOR UPDATE SKIP LOCKED, and placing starts on agents whose rows another holds."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator

import pytest
import sqlalchemy as sa

from services.agent_orchestrator.core.models import AssignmentState
from services.agent_orchestrator.repository import AssignmentStore, agents, assignments
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


async def waiting_for_locks(db: DatabaseConnection, count: int) -> None:
    """Until ``count`` sessions wait for a lock."""
    for _ in range(500):
        async with db.connect() as conn:
            waiting = (await conn.execute(sa.text(
                "SELECT count(*) FROM pg_stat_activity WHERE wait_event_type = 'Lock' "
                "AND datname = current_database()"))).scalar_one()
        if waiting >= count:
            return
        await asyncio.sleep(0.01)
    raise AssertionError(f"{count} sessions never waited for a lock")


async def test_replicas_waiting_for_an_agent_count_the_starts_made_meanwhile(
        pg: DatabaseConnection, postgres_url: str, postgres_schema: str, clock: FakeClock
        ) -> None:
    await add_agent(pg, "a0", max_concurrency=2)
    replicas = [DatabaseConnection(postgres_url, schema=postgres_schema) for _ in range(2)]
    try:
        async with pg.transaction() as conn:
            # Hold the agent's row so both replicas' placements wait for it; whichever goes
            # first fills the agent, and the other must see that.
            await conn.execute(sa.update(agents).values(
                active_assignments=agents.c.active_assignments))
            rounds = [asyncio.create_task(scheduler(db, clock).schedule(
                [task(f"{n}-a"), task(f"{n}-b")])) for n, db in enumerate(replicas)]
            await waiting_for_locks(pg, 2)
        results = await asyncio.gather(*rounds)
    finally:
        for db in replicas:
            await db.dispose()

    assert sorted(len(r.started) for r in results) == [0, 2]
    assert sorted(len(r.waiting) for r in results) == [0, 2]
    async with pg.connect() as conn:
        live = (await conn.execute(sa.select(sa.func.count()).select_from(assignments).where(
            assignments.c.agent == "a0"))).scalar_one()
    assert live == 2


async def test_a_batch_leaves_out_tasks_started_or_done_already(pg: DatabaseConnection,
                                                                clock: FakeClock) -> None:
    """A succeeded task has no live assignment for the unique index to refuse a second one."""
    await add_agent(pg, "a1", max_concurrency=10)
    first = scheduler(pg, clock)
    [(_, done), _] = (await first.schedule([task("t1"), task("t2")])).started
    await first.complete("acme", done.id, output="done")

    again = scheduler(pg, clock)
    succeeded_and_new = await again.schedule([task("t1"), task("t3")])
    live_and_new = await again.schedule([task("t2"), task("t4")])

    assert [a.task.rsplit("/", 1)[1] for a, _ in succeeded_and_new.started] == ["t3"]
    assert [a.task.rsplit("/", 1)[1] for a, _ in live_and_new.started] == ["t4"]
    async with pg.connect() as conn:
        rows = (await conn.execute(sa.select(assignments.c.task, assignments.c.state)
                                   .order_by(assignments.c.task))).all()
    assert [(t.rsplit("/", 1)[1], s) for t, s in rows] == [
        ("t1", AssignmentState.SUCCEEDED), ("t2", AssignmentState.RUNNING),
        ("t3", AssignmentState.RUNNING), ("t4", AssignmentState.RUNNING)]
