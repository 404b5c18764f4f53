"""Assignment strategies: which agent takes a ready task.

Every strategy only ever picks an *eligible* agent: HEALTHY, of the task's role, not excluded and
below its max_concurrency. None means no agent can take the task now; the task waits.
"""

from __future__ import annotations

from collections.abc import Collection, Sequence
from typing import Protocol

from services.agent_orchestrator.core.models import (
    AgentLoad,
    AgentState,
    AssignmentStrategy,
    ReadyTask,
)


def eligible(candidates: Sequence[AgentLoad], task: ReadyTask,
             exclude: Collection[str] = ()) -> list[AgentLoad]:
    """The candidates that may take ``task`` now, in a stable order (by agent id)."""
    return sorted(
        (c for c in candidates
         if c.agent.state is AgentState.HEALTHY and c.agent.role == task.role
         and c.agent.id not in exclude and c.has_capacity),
        key=lambda c: c.agent.id)


class AssignmentPolicy(Protocol):
    """Picks the agent for a ready task among candidates of the task's tenant."""

    def choose(self, task: ReadyTask, candidates: Sequence[AgentLoad],
               exclude: Collection[str] = ()) -> AgentLoad | None:
        """The chosen agent, or None when no eligible agent exists."""
        ...


class RoundRobinAssignment:
    """Each eligible agent of the role in turn (the turn is kept per tenant and role, in
    memory: a restarted replica starts a new round)."""

    def __init__(self) -> None:
        self._last: dict[tuple[str, str], str] = {}

    def choose(self, task: ReadyTask, candidates: Sequence[AgentLoad],
               exclude: Collection[str] = ()) -> AgentLoad | None:
        pool = eligible(candidates, task, exclude)
        if not pool:
            return None
        turn = (pool[0].agent.tenant, task.role)
        chosen = next((c for c in pool if c.agent.id > self._last.get(turn, "")), pool[0])
        self._last[turn] = chosen.agent.id
        return chosen


class LeastLoadedAssignment:
    """The eligible agent with the fewest active assignments relative to max_concurrency."""

    def choose(self, task: ReadyTask, candidates: Sequence[AgentLoad],
               exclude: Collection[str] = ()) -> AgentLoad | None:
        return least_loaded(eligible(candidates, task, exclude))


def least_loaded(pool: Sequence[AgentLoad]) -> AgentLoad | None:
    """Lowest relative load first, then the most free slots, then the agent id."""
    if not pool:
        return None
    return min(pool, key=lambda c: (c.load, c.active - c.agent.max_concurrency, c.agent.id))


class CapabilityMatchAssignment:
    """Among eligible agents whose capabilities cover the task's, the least loaded."""

    def choose(self, task: ReadyTask, candidates: Sequence[AgentLoad],
               exclude: Collection[str] = ()) -> AgentLoad | None:
        needed = set(task.required_capabilities)
        return least_loaded([c for c in eligible(candidates, task, exclude)
                             if needed <= set(c.agent.capabilities)])


def assignment_policy(strategy: AssignmentStrategy) -> AssignmentPolicy:
    """A fresh policy object for a declared strategy."""
    policies: dict[AssignmentStrategy, type[AssignmentPolicy]] = {
        AssignmentStrategy.ROUND_ROBIN: RoundRobinAssignment,
        AssignmentStrategy.LEAST_LOADED: LeastLoadedAssignment,
        AssignmentStrategy.CAPABILITY_MATCH: CapabilityMatchAssignment,
    }
    return policies[strategy]()
