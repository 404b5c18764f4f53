"""``ExecutionService``: reading assignments and executions, and watching an execution."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator

from services.agent_orchestrator.core.models import (
    Assignment,
    Execution,
    ExecutionState,
)
from services.agent_orchestrator.core.stores import AssignmentQueries
from shared.resources.filters import MATCH_ALL, Filter
from shared.resources.pages import Page, PageRequest
from shared.resources.standard import Resources


class ExecutionService:
    """Read access to the durable assignments and executions.

    Args:
        store: The durable assignments and executions.
        watch_interval: Seconds between polls of a watched execution.
    """

    def __init__(self, store: AssignmentQueries, watch_interval: float = 0.25) -> None:
        self._store = store
        self._watch_interval = watch_interval
        # Read by the standard Get methods.
        self.assignments = Resources(store.assignments)
        self.executions = Resources(store.executions)

    async def list_assignments(self, tenant: str, page: PageRequest, *, task: str = "",
                               agent: str = "", matching: Filter = MATCH_ALL
                               ) -> Page[Assignment]:
        """The tenant's assignments that ``matching`` selects, newest first, optionally of
        one task or agent."""
        return await self._store.list_assignments(tenant, page, task=task, agent=agent,
                                                  matching=matching)

    async def list_executions(self, tenant: str, page: PageRequest, *, task: str = "",
                              agent: str = "") -> Page[Execution]:
        """The tenant's executions, newest first, optionally of one task or agent."""
        return await self._store.list_executions(tenant, page, task=task, agent=agent)

    async def watch_execution(self, tenant: str, execution_id: str) -> AsyncIterator[Execution]:
        """Yield the execution now and after every change, until it ends."""
        seen = ""
        while True:
            execution = await self._store.executions.get(tenant, execution_id)
            if execution.etag != seen:
                seen = execution.etag
                yield execution
            if execution.state is not ExecutionState.RUNNING:
                return
            await asyncio.sleep(self._watch_interval)
