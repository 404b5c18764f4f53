"""``WorkflowService``: creating, reading, changing and removing versioned workflows."""

from __future__ import annotations

import asyncio
import dataclasses
from collections.abc import Mapping
from typing import Any, Protocol

from services.workflow_engine.core.models import Workflow
from services.workflow_engine.core.rules import check_schedule, parse_definition
from shared.resources.filters import MATCH_ALL, Filter
from shared.resources.pages import Page, PageRequest

UPDATABLE_FIELDS = ("display_name", "definition_yaml", "schedule", "state")


class WorkflowStore(Protocol):
    """What ``WorkflowService`` needs of its repository, which keeps every version too."""

    async def create(self, entity: Workflow) -> Workflow: ...
    async def get(self, tenant: str, id_: str) -> Workflow: ...
    async def list_matching(self, tenant: str, page: PageRequest,
                            matching: Filter) -> Page[Workflow]: ...
    async def update(self, entity: Workflow, expected_etag: str = "") -> Workflow: ...
    async def delete(self, tenant: str, id_: str) -> None: ...

    async def revisions(self, tenant: str, workflow_id: str,
                        page: PageRequest) -> Page[Workflow]:
        """One page of a workflow's stored versions, highest version first."""
        ...


class WorkflowService:
    """Workflows of every tenant and their revisions, persisted through ``workflows``.

    Args:
        workflows: Repository of workflows, which also keeps every version.
    """

    def __init__(self, workflows: WorkflowStore) -> None:
        self._workflows = workflows

    async def create(self, workflow: Workflow) -> Workflow:
        """Store a new workflow at version 1.

        Raises:
            InvalidArgument: The definition or schedule is bad.
            AlreadyExists: The id is taken.
        """
        # Off the event loop: a long definition takes seconds to parse.
        await asyncio.to_thread(parse_definition, workflow.definition_yaml)
        check_schedule(workflow.schedule)
        return await self._workflows.create(dataclasses.replace(workflow, version=1))

    async def get(self, tenant: str, workflow_id: str) -> Workflow:
        return await self._workflows.get(tenant, workflow_id)

    async def list(self, tenant: str, page: PageRequest,
                   matching: Filter = MATCH_ALL) -> Page[Workflow]:
        """One page of the tenant's workflows that ``matching`` selects, newest first."""
        return await self._workflows.list_matching(tenant, page, matching)

    async def update(self, tenant: str, workflow_id: str, changes: Mapping[str, Any],
                     etag: str = "") -> Workflow:
        """Apply ``changes`` (a subset of UPDATABLE_FIELDS); a new definition is a new version.

        Raises:
            InvalidArgument: The new definition or schedule is bad.
            Aborted: The workflow changed since ``etag`` (or concurrently with this update).
        """
        current = await self._workflows.get(tenant, workflow_id)
        changed = dataclasses.replace(current, **changes)
        if changed.definition_yaml != current.definition_yaml:
            await asyncio.to_thread(parse_definition, changed.definition_yaml)
            changed = dataclasses.replace(changed, version=current.version + 1)
        if changed.schedule != current.schedule:
            check_schedule(changed.schedule)
        # Always conditional on what was read, so two updates cannot both claim one version.
        return await self._workflows.update(changed, etag or current.etag)

    async def delete(self, tenant: str, workflow_id: str) -> None:
        """Delete a workflow and every stored version of it."""
        await self._workflows.delete(tenant, workflow_id)

    async def revisions(self, tenant: str, workflow_id: str, page: PageRequest) -> Page[Workflow]:
        """The stored versions of a workflow, newest first.

        Raises:
            NotFound: No such workflow.
        """
        await self._workflows.get(tenant, workflow_id)
        return await self._workflows.revisions(tenant, workflow_id, page)
