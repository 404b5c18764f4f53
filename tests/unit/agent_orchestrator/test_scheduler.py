"""Scheduler and HealthMonitor against a real, migrated SQLite database."""

from __future__ import annotations

import asyncio
import datetime as dt

import pytest

from services.agent_orchestrator.core.agents import AgentService
from services.agent_orchestrator.core.failure import FailureAction
from services.agent_orchestrator.core.health import HealthMonitor
from services.agent_orchestrator.core.models import (
    AgentState,
    AssignmentState,
    ExecutionState,
    FailureStrategy,
)
from services.agent_orchestrator.core.supervisor import Supervisor
from services.agent_orchestrator.repository import AssignmentStore, agent_repository
from shared.database import DatabaseConnection, PageRequest
from shared.errors import FailedPrecondition
from tests.unit.agent_orchestrator.conftest import FakeClock
from tests.unit.agent_orchestrator.scheduling import LEASE, add_agent, scheduler, task


async def executions_of(db: DatabaseConnection, task_id: str) -> list[tuple[int, str, str]]:
    page = await AssignmentStore(db).list_executions(
        "acme", PageRequest(size=100), task=f"tenants/acme/goals/g1/tasks/{task_id}")
    return sorted((e.attempt, e.agent, e.state.value) for e in page.items)


async def test_schedule_records_the_assignment_and_a_running_execution(
        db: DatabaseConnection, clock: FakeClock) -> None:
    await add_agent(db, "a1")

    result = await scheduler(db, clock).schedule([task("t1")])

    [(assignment, execution)] = result.started
    assert result.waiting == []
    assert (assignment.agent, assignment.state, assignment.attempt) == (
        "a1", AssignmentState.RUNNING, 1)
    assert assignment.lease_expire_time == clock.now + LEASE
    assert (execution.assignment, execution.attempt, execution.state) == (
        assignment.id, 1, ExecutionState.RUNNING)
    store = AssignmentStore(db)
    assert await store.assignments.get("acme", assignment.id) == assignment
    assert await store.executions.get("acme", execution.id) == execution


async def test_schedule_never_exceeds_max_concurrency_and_lets_tasks_wait(
        db: DatabaseConnection, clock: FakeClock) -> None:
    await add_agent(db, "a1", max_concurrency=1)
    await add_agent(db, "a2", max_concurrency=1)

    result = await scheduler(db, clock).schedule([task("t1"), task("t2"), task("t3")])

    assert sorted(a.agent for a, _ in result.started) == ["a1", "a2"]
    assert [t.name for t in result.waiting] == ["tenants/acme/goals/g1/tasks/t3"]


async def test_a_task_with_a_live_assignment_is_not_assigned_again(
        db: DatabaseConnection, clock: FakeClock) -> None:
    await add_agent(db, "a1", max_concurrency=5)
    first = scheduler(db, clock)
    await first.schedule([task("t1")])

    again = await scheduler(db, clock).schedule([task("t1")])

    assert again.started == []
    assert len(await executions_of(db, "t1")) == 1


async def test_a_task_that_succeeded_is_not_run_again_while_the_planner_lists_it_ready(
        db: DatabaseConnection, clock: FakeClock) -> None:
    """The planner hears of a start or an end late under load and offers the task again."""
    await add_agent(db, "a1", max_concurrency=5)
    first = scheduler(db, clock)
    [(_, execution)] = (await first.schedule([task("t1")])).started
    await first.complete("acme", execution.id, output="done")

    batched = await scheduler(db, clock).schedule([task("t1"), task("t2")])
    alone = await scheduler(db, clock)._assign(task("t1"))

    assert [a.task for a, _ in batched.started] == ["tenants/acme/goals/g1/tasks/t2"]
    assert alone is None
    assert await executions_of(db, "t1") == [(1, "a1", "SUCCEEDED")]


async def test_two_schedulers_given_the_same_ready_tasks_start_each_once(
        db: DatabaseConnection, clock: FakeClock) -> None:
    await add_agent(db, "a1", max_concurrency=10)
    await add_agent(db, "a2", max_concurrency=10)
    other_db = DatabaseConnection(str(db.url))
    ready = [task(f"t{i}") for i in range(8)]
    try:
        results = await asyncio.gather(scheduler(db, clock).schedule(ready),
                                       scheduler(other_db, clock).schedule(ready))
    finally:
        await other_db.dispose()

    started = [a.task for r in results for a, _ in r.started]
    assert sorted(started) == sorted(t.name for t in ready)  # each task once, none lost
    for i in range(8):
        assert len(await executions_of(db, f"t{i}")) == 1


async def test_retry_fails_twice_then_succeeds(db: DatabaseConnection, clock: FakeClock) -> None:
    await add_agent(db, "a1", failure=FailureStrategy.RETRY)
    subject = scheduler(db, clock)
    [(_, execution)] = (await subject.schedule([task("t1")])).started

    for _ in range(2):
        done = await subject.complete("acme", execution.id, error="flaky")
        assert done.decision is not None and done.decision.action is FailureAction.RETRY
        assert done.assignment.state is AssignmentState.PENDING
        assert await subject.claim_due() == []  # still backing off
        clock.advance(1)
        [(_, execution)] = await subject.claim_due()
    done = await subject.complete("acme", execution.id, output="42")

    assert done.decision is None
    assert done.assignment.state is AssignmentState.SUCCEEDED
    assert done.execution.output == "42"
    assert await executions_of(db, "t1") == [(1, "a1", "FAILED"), (2, "a1", "FAILED"),
                                             (3, "a1", "SUCCEEDED")]


async def test_retry_gives_up_after_max_attempts(db: DatabaseConnection, clock: FakeClock
                                                 ) -> None:
    await add_agent(db, "a1")
    subject = scheduler(db, clock)
    [(_, execution)] = (await subject.schedule([task("t1")])).started
    for _ in range(2):
        await subject.complete("acme", execution.id, error="broken")
        clock.advance(1)
        [(_, execution)] = await subject.claim_due()

    done = await subject.complete("acme", execution.id, error="broken")

    assert done.decision is not None and done.decision.action is FailureAction.FAIL
    assert done.assignment.state is AssignmentState.FAILED


async def test_skip_marks_a_non_critical_task_skipped_and_fails_a_critical_one(
        db: DatabaseConnection, clock: FakeClock) -> None:
    await add_agent(db, "a1", failure=FailureStrategy.SKIP)
    subject = scheduler(db, clock)
    started = (await subject.schedule([task("optional", critical=False),
                                       task("vital", critical=True)])).started

    skipped = await subject.complete("acme", started[0][1].id, error="no data")
    failed = await subject.complete("acme", started[1][1].id, error="no data")

    assert skipped.assignment.state is AssignmentState.SKIPPED
    assert failed.assignment.state is AssignmentState.FAILED


async def test_reassign_moves_the_task_to_another_agent(db: DatabaseConnection,
                                                        clock: FakeClock) -> None:
    await add_agent(db, "a1", failure=FailureStrategy.REASSIGN)
    await add_agent(db, "a2", failure=FailureStrategy.REASSIGN)
    subject = scheduler(db, clock)
    [(first, execution)] = (await subject.schedule([task("t1")])).started

    done = await subject.complete("acme", execution.id, error="agent crashed")

    assert done.assignment.state is AssignmentState.REASSIGNED
    assert done.replacement is not None
    assert done.replacement.agent != first.agent
    assert done.replacement.task_attempt == 2
    assert await executions_of(db, "t1") == [(1, first.agent, "FAILED"),
                                             (2, done.replacement.agent, "RUNNING")]


async def test_reassign_without_another_agent_retries_on_the_same_one_after_a_backoff(
        db: DatabaseConnection, clock: FakeClock) -> None:
    await add_agent(db, "a1", failure=FailureStrategy.REASSIGN)
    subject = scheduler(db, clock)
    [(_, execution)] = (await subject.schedule([task("t1")])).started

    done = await subject.complete("acme", execution.id, error="agent crashed")

    assert done.decision is not None and done.decision.action is FailureAction.RETRY
    assert done.assignment.state is AssignmentState.PENDING
    assert done.assignment.agent == "a1" and done.assignment.not_before > clock()
    assert done.replacement is None
    assert await subject.claim_due() == []
    clock.advance(120)
    [(again, _)] = await subject.claim_due()
    assert again.agent == "a1" and again.task_attempt == 2


async def test_escalate_pauses_the_goal_and_raises_an_alert(db: DatabaseConnection,
                                                            clock: FakeClock) -> None:
    await add_agent(db, "a1", failure=FailureStrategy.ESCALATE)
    subject = scheduler(db, clock)
    [(_, execution)] = (await subject.schedule([task("t1")])).started

    done = await subject.complete("acme", execution.id, error="unsure")

    assert done.assignment.state is AssignmentState.ESCALATED
    assert done.decision is not None
    assert done.decision.action is FailureAction.ESCALATE
    assert done.decision.pause_goal
    assert done.decision.alert is not None and done.decision.alert.task == execution.task


async def test_missed_heartbeats_make_an_agent_unhealthy_and_its_work_is_reassigned(
        db: DatabaseConnection, clock: FakeClock) -> None:
    await add_agent(db, "a1", heartbeat=clock.now - dt.timedelta(seconds=30))
    subject = scheduler(db, clock)
    [(old, _)] = (await subject.schedule([task("t1")])).started
    await add_agent(db, "a2", heartbeat=clock.now)
    store = AssignmentStore(db)
    monitor = HealthMonitor(store, dt.timedelta(seconds=10), clock)

    orphans = await monitor.check()

    assert [o.id for o in orphans] == [old.id]
    assert (await agent_repository(db).get("acme", "a1")).state is AgentState.UNHEALTHY
    assert (await agent_repository(db).get("acme", "a2")).state is AgentState.HEALTHY
    [(new, execution)] = await subject.reassign(orphans)
    assert new.agent == "a2"
    assert execution.attempt == 2
    assert (await store.assignments.get("acme", old.id)).state is AssignmentState.REASSIGNED
    assert await executions_of(db, "t1") == [(1, "a1", "CANCELLED"), (2, "a2", "RUNNING")]
    assert await monitor.check() == []


async def test_an_unhealthy_agent_gets_no_new_assignments(db: DatabaseConnection,
                                                          clock: FakeClock) -> None:
    await add_agent(db, "a1", heartbeat=clock.now - dt.timedelta(seconds=30))
    await HealthMonitor(AssignmentStore(db), dt.timedelta(seconds=10), clock).check()

    result = await scheduler(db, clock).schedule([task("t1")])

    assert result.started == []


async def test_a_restarted_scheduler_finishes_pending_work(db: DatabaseConnection,
                                                           clock: FakeClock) -> None:
    await add_agent(db, "a1")
    before = scheduler(db, clock)
    [(_, execution)] = (await before.schedule([task("t1")])).started
    await before.complete("acme", execution.id, error="flaky")
    clock.advance(1)

    after = scheduler(db, clock)  # a fresh instance: nothing but the database survives
    [(_, retry)] = await after.claim_due()
    done = await after.complete("acme", retry.id, output="ok")

    assert done.assignment.state is AssignmentState.SUCCEEDED
    assert await executions_of(db, "t1") == [(1, "a1", "FAILED"), (2, "a1", "SUCCEEDED")]


async def test_two_schedulers_completing_one_attempt_only_one_wins(
        db: DatabaseConnection, clock: FakeClock) -> None:
    await add_agent(db, "a1")
    [(_, execution)] = (await scheduler(db, clock).schedule([task("t1")])).started
    other_db = DatabaseConnection(str(db.url))
    try:
        results = await asyncio.gather(
            scheduler(db, clock).complete("acme", execution.id, output="first"),
            scheduler(other_db, clock).complete("acme", execution.id, error="second"),
            return_exceptions=True)
    finally:
        await other_db.dispose()

    assert sum(isinstance(r, FailedPrecondition) for r in results) == 1
    assert len(await executions_of(db, "t1")) in (1, 2)  # a failure may have queued a retry
    ended = [e for e in await executions_of(db, "t1") if e[0] == 1]
    assert ended[0][2] in ("SUCCEEDED", "FAILED")


async def test_an_expired_lease_is_retried_and_the_late_completion_refused(
        db: DatabaseConnection, clock: FakeClock) -> None:
    await add_agent(db, "a1")
    subject = scheduler(db, clock)
    [(_, lost)] = (await subject.schedule([task("t1")])).started
    assert await subject.claim_due() == []

    clock.advance(LEASE.total_seconds())
    [(assignment, retry)] = await scheduler(db, clock).claim_due()

    assert (assignment.attempt, retry.attempt) == (2, 2)
    with pytest.raises(FailedPrecondition):
        await subject.complete("acme", lost.id, output="too late")
    assert (await subject.complete("acme", retry.id, output="ok")).assignment.state \
        is AssignmentState.SUCCEEDED
    assert await executions_of(db, "t1") == [(1, "a1", "TIMED_OUT"), (2, "a1", "SUCCEEDED")]


async def test_completing_twice_is_refused(db: DatabaseConnection, clock: FakeClock) -> None:
    await add_agent(db, "a1")
    subject = scheduler(db, clock)
    [(_, execution)] = (await subject.schedule([task("t1")])).started
    await subject.complete("acme", execution.id, output="ok")

    with pytest.raises(FailedPrecondition):
        await subject.complete("acme", execution.id, output="again")


async def test_a_heartbeat_extends_the_leases_of_the_agents_running_work(
        db: DatabaseConnection, clock: FakeClock) -> None:
    await add_agent(db, "a1")
    store = AssignmentStore(db)
    [(assignment, _)] = (await scheduler(db, clock).schedule([task("t1")])).started

    beat = await AgentService(agent_repository(db), store, dt.timedelta(hours=1)).heartbeat(
        "acme", "a1", 1)

    extended = await store.assignments.get("acme", assignment.id)
    assert extended.lease_expire_time == beat.last_heartbeat_time + dt.timedelta(hours=1)


async def test_a_supervision_round_reassigns_and_claims(db: DatabaseConnection,
                                                        clock: FakeClock) -> None:
    await add_agent(db, "a1", heartbeat=clock.now - dt.timedelta(seconds=30))
    subject = scheduler(db, clock)
    await subject.schedule([task("t1")])
    # a2 heartbeats "through" the whole test, so only its expired lease is left to act on.
    await add_agent(db, "a2", heartbeat=clock.now + 2 * LEASE)
    supervisor = Supervisor(HealthMonitor(AssignmentStore(db), dt.timedelta(seconds=10), clock),
                            subject, interval=1)

    assert await supervisor.run_once() == (1, 0)
    clock.advance(LEASE.total_seconds())
    assert await supervisor.run_once() == (0, 1)
    assert await executions_of(db, "t1") == [(1, "a1", "CANCELLED"), (2, "a2", "TIMED_OUT"),
                                             (3, "a2", "RUNNING")]
