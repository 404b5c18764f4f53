"""Helpers of the scheduling tests: agents, ready tasks and a wired scheduler."""

from __future__ import annotations

import dataclasses
import datetime as dt

from services.agent_orchestrator.core.agents import AgentService
from services.agent_orchestrator.core.failure import (
    FailurePolicy,
    RetryWithBackoff,
    failure_policy,
)
from services.agent_orchestrator.core.models import (
    Agent,
    AssignmentStrategy,
    Clock,
    FailureStrategy,
    ReadyTask,
)
from services.agent_orchestrator.core.scheduler import Scheduler
from services.agent_orchestrator.repository import AssignmentStore, agent_repository
from shared.database import DatabaseConnection

LEASE = dt.timedelta(seconds=60)


def task(task_id: str = "t1", role: str = "executor", critical: bool = True,
         tools: tuple[str, ...] = ()) -> ReadyTask:
    return ReadyTask(name=f"tenants/acme/goals/g1/tasks/{task_id}", goal="tenants/acme/goals/g1",
                     role=role, critical=critical, required_capabilities=tools)


async def add_agent(db: DatabaseConnection, agent_id: str, *, max_concurrency: int = 2,
                    failure: FailureStrategy = FailureStrategy.RETRY,
                    strategy: AssignmentStrategy = AssignmentStrategy.ROUND_ROBIN,
                    capabilities: tuple[str, ...] = (), heartbeat: dt.datetime | None = None
                    ) -> Agent:
    agent = await AgentService(agent_repository(db)).create(Agent(
        tenant="acme", id=agent_id, display_name=agent_id, role="executor",
        max_concurrency=max_concurrency, failure_strategy=failure, assignment_strategy=strategy,
        capabilities=list(capabilities)))
    if heartbeat is not None:
        agent = await agent_repository(db).update(
            dataclasses.replace(agent, last_heartbeat_time=heartbeat))
    return agent


def no_wait_failures(strategy: FailureStrategy) -> FailurePolicy:
    """The declared policies, with retries due after at most a second."""
    if strategy is FailureStrategy.RETRY:
        return RetryWithBackoff(base_delay=dt.timedelta(seconds=1),
                                max_delay=dt.timedelta(seconds=1))
    return failure_policy(strategy)


def scheduler(db: DatabaseConnection, clock: Clock) -> Scheduler:
    return Scheduler(AssignmentStore(db), agent_repository(db), clock=clock, lease=LEASE,
                     failure=no_wait_failures)
