"""Planning claims: a replica's restarted process takes back at once the goals its previous
process was drafting; a live replica renews its claims, so no other replica takes them; a claim
not renewed within the lease is taken by another replica, and the replica that lost it
abandons its draft."""

from __future__ import annotations

import asyncio
import datetime as dt
import pathlib
from collections.abc import Collection
from dataclasses import dataclass, field

from cognition.planner.v1 import goal_pb2
from cognition.planner.v1 import planner_service_pb2 as pb
from cognition.planner.v1 import planner_service_pb2_grpc as pb_grpc
from services.task_planner.config import Settings as PlannerSettings
from services.task_planner.core.drafting import GoalPlanning
from services.task_planner.core.goals import GoalService
from services.task_planner.core.models import Goal, GoalState, PlanDraft
from services.task_planner.core.plans import PlanService
from services.task_planner.repository import Claimant, PendingGoalQueue, goal_repository
from services.task_planner.server import create_server as create_planner
from services.task_planner.server import replica_id
from shared.config import MeshSettings
from shared.database import DatabaseConnection, utc_now
from shared.rpc.server import RunningServer
from tests.helpers import assert_eventually, mesh_channel, peers_in_process
from tests.unit.task_planner import fake_runtime
from tests.unit.task_planner.conftest import TENANT, task
from tests.unit.task_planner.fake_runtime import FakeRuntime
from tests.unit.task_planner.test_drafting import ScriptedDrafter

LEASE = dt.timedelta(seconds=30)
KEY = (TENANT, "g1")


class Clock:
    """The time now, moved on by the test."""

    def __init__(self) -> None:
        self.now = utc_now()

    def __call__(self) -> dt.datetime:
        return self.now

    def advance(self, seconds: float) -> None:
        self.now += dt.timedelta(seconds=seconds)


@dataclass
class BlockingDrafter:
    """Drafts until ``done`` is set; records whether its draft was abandoned."""

    done: asyncio.Event = field(default_factory=asyncio.Event)
    started: asyncio.Event = field(default_factory=asyncio.Event)
    abandoned: bool = False

    async def draft(self, goal: Goal, failure: str = "") -> PlanDraft:
        self.started.set()
        try:
            await self.done.wait()
        except asyncio.CancelledError:
            self.abandoned = True
            raise
        return PlanDraft(tasks=(task("a"),))


class CountingQueue(PendingGoalQueue):
    """Counts its renewals; renews only once ``may_renew`` is set."""

    def __init__(self, *args: object, **kwargs: object) -> None:
        super().__init__(*args, **kwargs)  # type: ignore[arg-type]
        self.renewals = 0
        self.may_renew = asyncio.Event()
        self.may_renew.set()

    async def renew(self, claimed: Collection[tuple[str, str]]) -> set[tuple[str, str]]:
        await self.may_renew.wait()
        self.renewals += 1
        return await super().renew(claimed)


def queue(db: DatabaseConnection, claimant: Claimant, clock: Clock | None = None,
          lease: dt.timedelta = LEASE) -> CountingQueue:
    return CountingQueue(goal_repository(db), claimant, lease, clock or utc_now)


async def test_a_claim_of_a_previous_process_of_the_replica_is_taken_back_at_once(
        db: DatabaseConnection, goals: GoalService, goal: Goal) -> None:
    clock = Clock()
    died = queue(db, Claimant("p1", clock.now), clock)
    assert [g.id for g in await died.claim_pending(10)] == [goal.id]
    clock.advance(1)  # the replica restarted; its claim is far from running out
    assert await queue(db, Claimant("p2", clock.now), clock).claim_pending(10) == []

    restarted = queue(db, Claimant("p1", clock.now), clock)
    assert [g.id for g in await restarted.claim_pending(10)] == [goal.id]

    assert await died.claim_pending(10) == []  # an earlier process never takes a later's
    assert await died.renew([KEY]) == {KEY}  # what is left of it learns it lost the goal
    await died.release(goal)  # and cannot put it back
    assert (await goals.get(TENANT, goal.id)).state is GoalState.PLANNING
    assert await restarted.renew([KEY]) == set()


async def test_a_claim_renewed_by_its_live_replica_is_never_taken(
        db: DatabaseConnection, goal: Goal) -> None:
    clock = Clock()
    live = queue(db, Claimant("p1", clock.now), clock)
    other = queue(db, Claimant("p2", clock.now), clock)
    assert len(await live.claim_pending(10)) == 1
    for _ in range(10):  # ten renewals a third of a lease apart: over three leases
        clock.advance(LEASE.total_seconds() / 3)
        assert await live.renew([KEY]) == set()
        assert await other.claim_pending(10) == []


async def test_a_claim_not_renewed_within_the_lease_is_taken_by_one_other_replica(
        db: DatabaseConnection, goals: GoalService, goal: Goal) -> None:
    clock = Clock()
    dead = queue(db, Claimant("p1", clock.now), clock)
    others = [queue(db, Claimant(f"p{i}", clock.now), clock) for i in (2, 3)]
    assert len(await dead.claim_pending(10)) == 1
    clock.advance(LEASE.total_seconds() - 1)
    assert [await other.claim_pending(10) for other in others] == [[], []]

    clock.advance(2)
    taken = await asyncio.gather(*(other.claim_pending(10) for other in others))
    assert sorted(len(claimed) for claimed in taken) == [0, 1]  # one claimer wins
    await dead.fail(goal, "too late")  # the claim it lost is no longer its to end
    assert (await goals.get(TENANT, goal.id)).state is GoalState.PLANNING


async def test_a_draft_renews_its_claim_until_it_is_stored(
        db: DatabaseConnection, goals: GoalService, plans: PlanService, goal: Goal) -> None:
    lease = dt.timedelta(seconds=1)
    drafting = queue(db, Claimant("p1"), lease=lease)
    drafter = BlockingDrafter()
    planning = asyncio.create_task(
        GoalPlanning(drafting, plans, drafter, renew_every=0.1).plan_pending())
    await drafter.started.wait()
    other = queue(db, Claimant("p2"), lease=lease)

    async def renewed_past_the_lease() -> bool:
        assert await other.claim_pending(10) == []
        return drafting.renewals >= 15  # 1.5 s of renewals, past the lease

    await assert_eventually(renewed_past_the_lease, timeout=20, message="renewals")
    drafter.done.set()
    assert await planning == 1
    planned = await goals.get(TENANT, goal.id)
    assert planned.state is GoalState.RUNNING and planned.plan.endswith("/plans/r1")
    assert not drafter.abandoned


async def test_a_draft_whose_claim_another_replica_took_is_abandoned(
        db: DatabaseConnection, goals: GoalService, plans: PlanService, goal: Goal) -> None:
    clock = Clock()
    stalled = queue(db, Claimant("p1", clock.now), clock)
    stalled.may_renew.clear()  # it cannot reach its database for a while
    drafter = BlockingDrafter()
    planning = asyncio.create_task(
        GoalPlanning(stalled, plans, drafter, renew_every=0.01).plan_pending())
    await drafter.started.wait()

    clock.advance(LEASE.total_seconds() + 1)
    taking_over = ScriptedDrafter(PlanDraft(tasks=(task("a"), task("b", "a")), complexity=2))
    other = GoalPlanning(queue(db, Claimant("p2", clock.now), clock), plans, taking_over)
    assert await other.plan_pending() == 1
    stalled.may_renew.set()

    assert await planning == 1
    assert drafter.abandoned and not drafter.done.is_set()
    planned = await goals.get(TENANT, goal.id)
    assert planned.state is GoalState.RUNNING
    assert [t.id for t in (await plans.current(TENANT, goal.id)).tasks] == ["a", "b"]


def test_a_replica_id_is_the_same_across_restarts_and_differs_by_port() -> None:
    assert replica_id(PlannerSettings(port=50052)) == replica_id(PlannerSettings(port=50052))
    assert replica_id(PlannerSettings(port=50052)) != replica_id(PlannerSettings(port=50053))
    assert replica_id(PlannerSettings(port=0)) != replica_id(PlannerSettings(port=0))
    assert replica_id(PlannerSettings(port=0, replica_id="planner-a")) == "planner-a"


async def test_a_restarted_planner_takes_back_at_once_the_goal_it_was_drafting(
        tmp_path: pathlib.Path) -> None:
    settings = PlannerSettings(port=0, replica_id="planner-a", planning_interval_seconds=0.1,
                               mesh=MeshSettings(data_dir=tmp_path / "planner", peers={
                                   "ai-runtime": fake_runtime.ADDRESS}))

    async def planner(runtime: FakeRuntime) -> RunningServer:
        return await create_planner(settings, channel_factory=peers_in_process(
            {fake_runtime.ADDRESS: runtime}))

    async def in_state(running: RunningServer, expected: int) -> bool:
        async with mesh_channel(f"127.0.0.1:{running.port}") as channel:
            found = await pb_grpc.PlannerServiceStub(channel).GetGoal(
                pb.GetGoalRequest(name="tenants/acme/goals/g1"))
        return bool(found.goal.state == expected)

    first = await planner(FakeRuntime(hang=True))  # a model call that outlasts the test
    try:
        async with mesh_channel(f"127.0.0.1:{first.port}") as channel:
            await pb_grpc.PlannerServiceStub(channel).CreateGoal(pb.CreateGoalRequest(
                parent="tenants/acme", goal_id="g1", goal=goal_pb2.Goal(description="ship")))
        await assert_eventually(lambda: in_state(first, goal_pb2.GOAL_STATE_PLANNING),
                                message="drafting")
    finally:
        await first.stop(0)  # its draft still waits on the model

    second = await planner(FakeRuntime())  # the same replica, started again
    try:
        await assert_eventually(lambda: in_state(second, goal_pb2.GOAL_STATE_RUNNING),
                                timeout=10, message="the goal planned by the restarted replica")
    finally:
        await second.stop(0)
