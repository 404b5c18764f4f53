"""AgentService against a real, migrated SQLite database."""

from __future__ import annotations

import dataclasses

import pytest

from services.agent_orchestrator.core.agents import AgentService
from services.agent_orchestrator.core.models import (
    Agent,
    AgentState,
    AssignmentStrategy,
    FailureStrategy,
)
from services.agent_orchestrator.repository import agent_repository
from shared.database import DatabaseConnection, PageRequest
from shared.errors import Aborted, AlreadyExists, NotFound


def make_agent(agent_id: str = "a1", tenant: str = "acme", **fields: object) -> Agent:
    values: dict[str, object] = {"display_name": "Executor 1", "role": "executor",
                                 "capabilities": ["web.search"], "max_concurrency": 4}
    values.update(fields)
    return Agent(tenant=tenant, id=agent_id, **values)  # type: ignore[arg-type]


@pytest.fixture
def service(db: DatabaseConnection) -> AgentService:
    return AgentService(agent_repository(db))


async def test_create_starts_healthy_idle_with_a_first_heartbeat(service: AgentService) -> None:
    given = make_agent(state=AgentState.OFFLINE, active_assignments=9)

    agent = await service.create(given)

    assert agent.state is AgentState.HEALTHY
    assert agent.active_assignments == 0
    assert agent.last_heartbeat_time == agent.create_time == agent.update_time
    assert agent.etag
    assert await service.get("acme", "a1") == agent


async def test_create_refuses_a_taken_id(service: AgentService) -> None:
    await service.create(make_agent())

    with pytest.raises(AlreadyExists):
        await service.create(make_agent(display_name="Other"))


async def test_columns_round_trip(service: AgentService) -> None:
    await service.create(make_agent(
        capabilities=["a", "b"], max_concurrency=7,
        assignment_strategy=AssignmentStrategy.LEAST_LOADED,
        failure_strategy=FailureStrategy.ESCALATE))

    agent = await service.get("acme", "a1")

    assert agent.capabilities == ["a", "b"]
    assert agent.max_concurrency == 7
    assert agent.assignment_strategy is AssignmentStrategy.LEAST_LOADED
    assert agent.failure_strategy is FailureStrategy.ESCALATE


async def test_list_pages_newest_first_within_the_tenant(service: AgentService) -> None:
    for agent_id in ("a1", "a2", "a3"):
        await service.create(make_agent(agent_id))
    await service.create(make_agent("b1", tenant="other"))

    first = await service.list("acme", PageRequest(size=2))
    rest = await service.list("acme", PageRequest.of(2, first.next_page_token))

    assert [a.id for a in first.items] == ["a3", "a2"]
    assert [a.id for a in rest.items] == ["a1"]
    assert rest.next_page_token == ""


async def test_update_changes_fields_and_checks_the_etag(service: AgentService) -> None:
    created = await service.create(make_agent())

    updated = await service.update("acme", "a1", {"role": "critic", "max_concurrency": 2},
                                   created.etag)

    assert (updated.role, updated.max_concurrency) == ("critic", 2)
    assert updated.display_name == created.display_name
    assert updated.etag != created.etag
    with pytest.raises(Aborted):
        await service.update("acme", "a1", {"role": "planner"}, created.etag)


async def test_heartbeat_records_liveness_and_load(service: AgentService, db: DatabaseConnection
                                                   ) -> None:
    created = await service.create(make_agent())
    repository = agent_repository(db)
    await repository.update(dataclasses.replace(created, state=AgentState.UNHEALTHY))

    agent = await service.heartbeat("acme", "a1", 3)

    assert agent.state is AgentState.HEALTHY
    assert agent.active_assignments == 3
    assert agent.last_heartbeat_time > created.last_heartbeat_time
    assert await service.get("acme", "a1") == agent


async def test_heartbeat_of_an_unknown_agent_is_not_found(service: AgentService) -> None:
    with pytest.raises(NotFound):
        await service.heartbeat("acme", "ghost", 0)


async def test_delete_then_get_is_not_found(service: AgentService) -> None:
    await service.create(make_agent())

    await service.delete("acme", "a1")

    with pytest.raises(NotFound):
        await service.get("acme", "a1")
    with pytest.raises(NotFound):
        await service.delete("acme", "a1")


async def test_other_tenants_agents_are_not_found(service: AgentService) -> None:
    await service.create(make_agent())

    with pytest.raises(NotFound):
        await service.get("other", "a1")
