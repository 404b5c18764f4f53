"""Plans are checked against the tenant's budget as the AI runtime reports it."""

from __future__ import annotations

import pathlib
from collections.abc import AsyncIterator
from typing import Any

import pytest

from cognition.runtime.v1 import runtime_service_pb2 as pb
from cognition.runtime.v1 import runtime_service_pb2_grpc as pb_grpc
from services.ai_runtime.config import Price
from services.ai_runtime.config import Settings as RuntimeSettings
from services.ai_runtime.server import create_server
from services.task_planner.core.models import PlanDraft
from services.task_planner.peers.budget import RuntimeBudget
from shared.config import MeshSettings
from shared.mesh.client import ServiceClient
from tests.helpers import mesh_credentials
from tests.unit.task_planner.conftest import task

PRICED = {"offline/*": Price(input=1000, output=1000)}


@pytest.fixture
async def runtime(tmp_path: pathlib.Path
                  ) -> AsyncIterator[ServiceClient[pb_grpc.RuntimeServiceStub]]:
    running = await create_server(RuntimeSettings(
        port=0, mesh=MeshSettings(data_dir=tmp_path), prices=PRICED,  # type: ignore[arg-type]
        tenant_budgets={"capped": 5000, "broke": 1}))
    client = ServiceClient(f"127.0.0.1:{running.port}", pb_grpc.RuntimeServiceStub,
                           credentials=mesh_credentials())
    try:
        yield client
    finally:
        await client.close()
        await running.stop(0)


async def test_the_runtime_reports_a_budget_with_a_call_estimate_per_role(
        runtime: ServiceClient[pb_grpc.RuntimeServiceStub]) -> None:
    budget = (await runtime.call("GetBudget", pb.GetBudgetRequest(
        name="tenants/capped/budget"))).budget
    assert (budget.limit_micros, budget.spent_micros, budget.remaining_micros) == (5000, 0, 5000)
    assert set(budget.call_estimate_micros) >= {"planner", "executor", "critic", "summarizer"}
    assert all(cost > 0 for cost in budget.call_estimate_micros.values())
    unlimited = (await runtime.call("GetBudget", pb.GetBudgetRequest(
        name="tenants/acme/budget"))).budget
    assert (unlimited.limit_micros, unlimited.remaining_micros) == (0, 0)


async def test_a_plan_fits_when_one_call_per_task_fits_in_what_remains(
        runtime: ServiceClient[pb_grpc.RuntimeServiceStub]) -> None:
    fits = RuntimeBudget(runtime, "task-planner")
    budget = (await runtime.call("GetBudget", pb.GetBudgetRequest(
        name="tenants/capped/budget"))).budget
    per_call = budget.call_estimate_micros["executor"]
    affordable = max(1, budget.remaining_micros // per_call)

    assert await fits("acme", PlanDraft(tasks=tuple(task(f"t{i}") for i in range(50))))
    assert await fits("capped", PlanDraft(tasks=tuple(task(f"t{i}")
                                                      for i in range(affordable))))
    assert not await fits("capped", PlanDraft(tasks=tuple(task(f"t{i}")
                                                          for i in range(affordable + 1))))
    assert not await fits("broke", PlanDraft(tasks=(task("a"),)))


async def test_an_unreachable_runtime_lets_the_plan_through() -> None:
    client = ServiceClient("127.0.0.1:9", pb_grpc.RuntimeServiceStub, deadline=1)
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
        runtime: ServiceClient[pb_grpc.RuntimeServiceStub]) -> None:
    clock = Clock()
    fits = RuntimeBudget(runtime, "task-planner", unlimited_for=30, clock=clock)
    asked: list[str] = []
    call = runtime.call

    async def counted(method: str, request: Any, **kwargs: Any) -> Any:
        asked.append(request.name)
        return await call(method, request, **kwargs)

    runtime.call = counted  # type: ignore[method-assign]
    plan = PlanDraft(tasks=(task("a"),))
    for _ in range(3):
        assert await fits("acme", plan)
        assert await fits("capped", plan)
    clock.now = 31
    assert await fits("acme", plan)

    assert asked == ["tenants/acme/budget"] + ["tenants/capped/budget"] * 3 + [
        "tenants/acme/budget"]
