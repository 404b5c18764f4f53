"""GetBudget: a tenant's limit, what it spent and an estimate of one model call per role."""

from __future__ import annotations

import pathlib
from collections.abc import AsyncIterator

import pytest

from cognition.runtime.v1 import runtime_service_pb2 as pb
from services.ai_runtime.config import Price
from services.ai_runtime.config import Settings as RuntimeSettings
from services.ai_runtime.server import create_server
from shared.config import MeshSettings
from shared.mesh.client import ServiceClient
from shared.mesh.methods import Unary
from tests.helpers import mesh_credentials

GET_BUDGET = Unary.of(pb.GetBudgetRequest, pb.GetBudgetResponse)
PRICED = {"offline/*": Price(input=1000, output=1000)}


@pytest.fixture
async def runtime(tmp_path: pathlib.Path) -> AsyncIterator[ServiceClient]:
    running = await create_server(RuntimeSettings(
        port=0, mesh=MeshSettings(data_dir=tmp_path), prices=PRICED,  # type: ignore[arg-type]
        tenant_budgets={"capped": 5000}))
    client = ServiceClient(f"127.0.0.1:{running.port}", credentials=mesh_credentials())
    try:
        yield client
    finally:
        await client.close()
        await running.stop(0)


async def test_the_runtime_reports_a_budget_with_a_call_estimate_per_role(
        runtime: ServiceClient) -> None:
    budget = (await runtime.call(GET_BUDGET, pb.GetBudgetRequest(
        name="tenants/capped/budget"))).budget
    assert (budget.limit_micros, budget.spent_micros, budget.remaining_micros) == (5000, 0, 5000)
    assert set(budget.call_estimate_micros) >= {"planner", "executor", "critic", "summarizer"}
    assert all(cost > 0 for cost in budget.call_estimate_micros.values())
    unlimited = (await runtime.call(GET_BUDGET, pb.GetBudgetRequest(
        name="tenants/acme/budget"))).budget
    assert (unlimited.limit_micros, unlimited.remaining_micros) == (0, 0)
