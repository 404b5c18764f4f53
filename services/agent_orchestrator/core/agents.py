"""``AgentService``: registering, reading, changing and heartbeating agents."""

from __future__ import annotations

import dataclasses
import datetime as dt

from services.agent_orchestrator.core.models import Agent, AgentState
from services.agent_orchestrator.core.stores import LeaseStore
from shared.errors import Aborted
from shared.resources.entity import utc_now
from shared.resources.standard import Resources
from shared.resources.store import Store

UPDATABLE_FIELDS = ("display_name", "role", "capabilities", "max_concurrency",
                    "assignment_strategy", "failure_strategy")
# The id prefix of built-in agents (run by the orchestrator itself), reserved for them.
BUILTIN_PREFIX = "builtin-"

# A heartbeat only races with UpdateAgent or another heartbeat; a few rereads settle it.
_HEARTBEAT_ATTEMPTS = 3


def is_builtin(agent_id: str) -> bool:
    """Whether ``agent_id`` names a built-in agent (the prefix is reserved)."""
    return agent_id.startswith(BUILTIN_PREFIX)


class AgentService(Resources[Agent]):
    """Agents of every tenant, persisted through ``agents``: a new agent is HEALTHY, idle,
    its first heartbeat at its creation.

    Args:
        agents: Repository of agents.
        leases: When given, each heartbeat extends the leases of the agent's running
            executions by ``lease``, so work of a live agent is never timed out.
        lease: How far a heartbeat pushes those leases.
    """

    updatable = UPDATABLE_FIELDS

    def __init__(self, agents: Store[Agent], leases: LeaseStore | None = None,
                 lease: dt.timedelta = dt.timedelta(minutes=5)) -> None:
        super().__init__(agents)
        self._leases = leases
        self._lease = lease

    def prepared(self, resource: Agent) -> Agent:
        now = utc_now()
        return dataclasses.replace(resource, state=AgentState.HEALTHY, active_assignments=0,
                                   create_time=now, update_time=now, last_heartbeat_time=now)

    async def heartbeat(self, tenant: str, agent_id: str, active_assignments: int) -> Agent:
        """Record that an agent is alive and running ``active_assignments``; it is HEALTHY.

        Raises:
            NotFound: No such agent.
            Aborted: The agent kept changing concurrently.
        """
        agent = None
        for _ in range(_HEARTBEAT_ATTEMPTS - 1):
            try:
                agent = await self._beat(tenant, agent_id, active_assignments)
                break
            except Aborted:
                continue
        if agent is None:
            agent = await self._beat(tenant, agent_id, active_assignments)
        if self._leases is not None:
            await self._leases.extend_leases(tenant, agent_id,
                                             agent.last_heartbeat_time + self._lease)
        return agent

    async def _beat(self, tenant: str, agent_id: str, active_assignments: int) -> Agent:
        current = await self._store.get(tenant, agent_id)
        return await self._store.update(
            dataclasses.replace(current, state=AgentState.HEALTHY,
                                active_assignments=active_assignments,
                                last_heartbeat_time=utc_now()),
            current.etag)
