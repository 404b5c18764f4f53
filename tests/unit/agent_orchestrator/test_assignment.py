"""Assignment strategies over plain candidate lists."""

from __future__ import annotations

from services.agent_orchestrator.core.assignment import (
    CapabilityMatchAssignment,
    LeastLoadedAssignment,
    RoundRobinAssignment,
    assignment_policy,
)
from services.agent_orchestrator.core.models import (
    Agent,
    AgentLoad,
    AgentState,
    AssignmentStrategy,
    ReadyTask,
)

TASK = ReadyTask(name="tenants/acme/goals/g/tasks/t", goal="tenants/acme/goals/g", role="executor")


def load(agent_id: str, active: int = 0, max_concurrency: int = 2, role: str = "executor",
         state: AgentState = AgentState.HEALTHY, capabilities: tuple[str, ...] = ()
         ) -> AgentLoad:
    return AgentLoad(Agent(tenant="acme", id=agent_id, display_name=agent_id, role=role,
                           max_concurrency=max_concurrency, state=state,
                           capabilities=list(capabilities)), active)


def test_round_robin_takes_each_agent_in_turn() -> None:
    policy = RoundRobinAssignment()
    pool = [load("a"), load("b"), load("c")]

    picks = [policy.choose(TASK, pool) for _ in range(4)]

    assert [p.agent.id for p in picks if p] == ["a", "b", "c", "a"]


def test_round_robin_skips_full_unhealthy_draining_other_role_and_excluded() -> None:
    policy = RoundRobinAssignment()
    pool = [load("full", active=2), load("sick", state=AgentState.UNHEALTHY),
            load("drain", state=AgentState.DRAINING), load("critic", role="critic"),
            load("failed"), load("ok")]

    assert [policy.choose(TASK, pool, {"failed"}).agent.id  # type: ignore[union-attr]
            for _ in range(2)] == ["ok", "ok"]


def test_no_eligible_agent_means_none() -> None:
    pool = [load("full", active=1, max_concurrency=1), load("sick", state=AgentState.OFFLINE)]

    assert RoundRobinAssignment().choose(TASK, pool) is None
    assert LeastLoadedAssignment().choose(TASK, pool) is None
    assert CapabilityMatchAssignment().choose(TASK, pool) is None
    assert LeastLoadedAssignment().choose(TASK, []) is None


def test_least_loaded_compares_load_relative_to_max_concurrency() -> None:
    pool = [load("busy", active=1, max_concurrency=2), load("roomy", active=2,
                                                            max_concurrency=10)]

    chosen = LeastLoadedAssignment().choose(TASK, pool)

    assert chosen is not None and chosen.agent.id == "roomy"


def test_least_loaded_never_exceeds_max_concurrency() -> None:
    pool = [load("full", active=3, max_concurrency=3), load("half", active=5,
                                                            max_concurrency=6)]

    chosen = LeastLoadedAssignment().choose(TASK, pool)

    assert chosen is not None and chosen.agent.id == "half"


def test_capability_match_needs_every_capability_then_least_loaded() -> None:
    task = ReadyTask(name=TASK.name, goal=TASK.goal, role="executor",
                     required_capabilities=("web.search", "python"))
    pool = [load("partial", capabilities=("web.search",)),
            load("busy", active=1, capabilities=("web.search", "python", "sql")),
            load("idle", capabilities=("python", "web.search"))]

    chosen = CapabilityMatchAssignment().choose(task, pool)

    assert chosen is not None and chosen.agent.id == "idle"
    assert CapabilityMatchAssignment().choose(task, pool[:1]) is None


def test_factory_maps_declared_strategies() -> None:
    assert isinstance(assignment_policy(AssignmentStrategy.ROUND_ROBIN), RoundRobinAssignment)
    assert isinstance(assignment_policy(AssignmentStrategy.LEAST_LOADED), LeastLoadedAssignment)
    assert isinstance(assignment_policy(AssignmentStrategy.CAPABILITY_MATCH),
                      CapabilityMatchAssignment)
