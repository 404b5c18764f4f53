"""Whether a tenant can afford a plan, asked of the AI runtime's budget."""

from __future__ import annotations

import logging
import time
from collections.abc import Callable

from cognition.runtime.v1 import runtime_service_pb2
from services.task_planner.core.models import PlanDraft
from shared import context
from shared.errors import DeadlineExceeded, Unavailable
from shared.mesh.client import ServiceClient
from shared.mesh.methods import Unary

GET_BUDGET = Unary.of(runtime_service_pb2.GetBudgetRequest, runtime_service_pb2.GetBudgetResponse)


log = logging.getLogger(__name__)

COMPLETIONS_READ = frozenset({"completions.read"})


class RuntimeBudget:
    """A plan fits when one model call per task, at the runtime's current estimate for the
    task's role, fits in what remains of the tenant's budget; an unlimited tenant always fits
    (the core's ``BudgetCheck``).

    When the runtime cannot be reached the plan is let through: the runtime still refuses
    every call over the budget. That a tenant is unlimited is remembered for ``unlimited_for``
    seconds (limits are the runtime's configuration; they change when it restarts), so most
    goals are created without asking.

    Args:
        runtime: A client of the ai-runtime service.
        service: This service's name, its identity towards the runtime.
        unlimited_for: Seconds an unlimited tenant is not asked again.
        clock: Monotonic clock, injectable for tests.
    """

    def __init__(self, runtime: ServiceClient,
                 service: str, *, unlimited_for: float = 30.0,
                 clock: Callable[[], float] = time.monotonic) -> None:
        self._runtime = runtime
        self._subject = f"services/{service}"
        self._unlimited_for = unlimited_for
        self._clock = clock
        self._unlimited_until: dict[str, float] = {}

    async def __call__(self, tenant: str, draft: PlanDraft) -> bool:
        if self._clock() < self._unlimited_until.get(tenant, 0.0):
            return True
        identity = context.CallContext(tenant=tenant, subject=self._subject,
                                       scopes=COMPLETIONS_READ)
        try:
            with context.bind(identity):
                budget = (await self._runtime.call(
                    GET_BUDGET,
                    runtime_service_pb2.GetBudgetRequest(name=f"tenants/{tenant}/budget"),
                    idempotent=True)).budget
        except (Unavailable, DeadlineExceeded) as error:
            log.warning("budget of %s unknown (%s); the plan is let through", tenant,
                        error.message)
            return True
        if budget.limit_micros == 0:
            self._unlimited_until[tenant] = self._clock() + self._unlimited_for
            return True
        self._unlimited_until.pop(tenant, None)
        estimates = budget.call_estimate_micros
        fallback = max(estimates.values(), default=0)
        need: int = sum(estimates.get(task.agent_role, fallback) for task in draft.tasks)
        return need <= int(budget.remaining_micros)
