"""Plans are checked against the tenant's budget as the AI runtime reports it; the runtime is
served in process by a fake of its GetBudget."""

from __future__ import annotations

from collections.abc import AsyncIterator

import pytest

from cognition.runtime.v1 import runtime_service_pb2 as pb
from services.task_planner.core.models import PlanDraft
from services.task_planner.peers.budget import RuntimeBudget
from shared.errors import NotFound
from shared.mesh.client import ServiceClient
from shared.mesh.in_process import InProcessChannel
from tests.unit.task_planner.conftest import task

PER_CALL = 1000  # what the fake runtime estimates one executor call costs


class FakeRuntime:
    """GetBudget of tenants with limits (0: unlimited) and spend, in micro-dollars."""

    def __init__(self, budgets: dict[str, tuple[int, int]]) -> None:
        self.budgets = budgets

    async def GetBudget(self, request: pb.GetBudgetRequest, context: object
                        ) -> pb.GetBudgetResponse:
        tenant = request.name.split("/")[1]
        if tenant not in self.budgets:
            raise NotFound(f"no tenant {tenant}")
        limit, spent = self.budgets[tenant]
        return pb.GetBudgetResponse(budget=pb.Budget(
            name=request.name, limit_micros=limit, spent_micros=spent,
            remaining_micros=max(0, limit - spent) if limit else 0,
            call_estimate_micros={"planner": PER_CALL, "executor": PER_CALL}))


@pytest.fixture
def channel() -> InProcessChannel:
    return InProcessChannel(FakeRuntime({"acme": (0, 0), "capped": (5000, 0),
                                         "broke": (1, 1)}), "runtime.cognition")


@pytest.fixture
async def runtime(channel: InProcessChannel) -> AsyncIterator[ServiceClient]:
    client = ServiceClient("ai-runtime", channel_factory=lambda _: channel)
    yield client
    await client.close()


async def test_a_plan_fits_when_one_call_per_task_fits_in_what_remains(
        runtime: ServiceClient) -> None:
    fits = RuntimeBudget(runtime, "task-planner")
    affordable = 5000 // PER_CALL

    assert await fits("acme", PlanDraft(tasks=tuple(task(f"t{i}") for i in range(50))))
    assert await fits("capped", PlanDraft(tasks=tuple(task(f"t{i}")
                                                      for i in range(affordable))))
    assert not await fits("capped", PlanDraft(tasks=tuple(task(f"t{i}")
                                                          for i in range(affordable + 1))))
    assert not await fits("broke", PlanDraft(tasks=(task("a"),)))


async def test_an_unreachable_runtime_lets_the_plan_through() -> None:
    client = ServiceClient("127.0.0.1:9", deadline=1)
    try:
        assert await RuntimeBudget(client, "task-planner")("capped",
                                                           PlanDraft(tasks=(task("a"),)))
    finally:
        await client.close()


class Clock:
    def __init__(self) -> None:
        self.now = 0.0

    def __call__(self) -> float:
        return self.now


async def test_an_unlimited_tenant_is_remembered_a_while_and_a_capped_one_asked_every_time(
        runtime: ServiceClient, channel: InProcessChannel) -> None:
    clock = Clock()
    fits = RuntimeBudget(runtime, "task-planner", unlimited_for=30, clock=clock)
    plan = PlanDraft(tasks=(task("a"),))
    for _ in range(3):
        assert await fits("acme", plan)
        assert await fits("capped", plan)
    clock.now = 31
    assert await fits("acme", plan)

    assert [request.name for _, request in channel.calls] == [
        "tenants/acme/budget"] + ["tenants/capped/budget"] * 3 + ["tenants/acme/budget"]
