"""``WorkflowService``: creating, reading, changing and removing versioned workflows."""

from __future__ import annotations

import asyncio
import dataclasses
from collections.abc import Mapping
from typing import Any, Protocol

from services.workflow_engine.core.models import Workflow
from services.workflow_engine.core.rules import check_schedule, parse_definition
from shared.resources.pages import Page, PageRequest
from shared.resources.standard import Resources
from shared.resources.store import Store


class WorkflowStore(Store[Workflow], Protocol):
    """What ``WorkflowService`` needs of its repository, which keeps every version too."""

    async def revisions(self, tenant: str, workflow_id: str,
                        page: PageRequest) -> Page[Workflow]:
        """One page of a workflow's stored versions, highest version first."""
        ...


class WorkflowService(Resources[Workflow]):
    """Workflows of every tenant and their revisions; deleting one deletes every stored
    version of it.

    Args:
        workflows: Repository of workflows, which also keeps every version.
    """

    updatable = ("display_name", "definition_yaml", "schedule", "state")

    def __init__(self, workflows: WorkflowStore) -> None:
        super().__init__(workflows)
        self._workflows = workflows

    async def create(self, resource: Workflow) -> Workflow:
        """Store a new workflow at version 1.

        Raises:
            InvalidArgument: The definition or schedule is bad.
            AlreadyExists: The id is taken.
        """
        # Off the event loop: a long definition takes seconds to parse.
        await asyncio.to_thread(parse_definition, resource.definition_yaml)
        check_schedule(resource.schedule)
        return await super().create(dataclasses.replace(resource, version=1))

    async def update(self, tenant: str, id_: str, changes: Mapping[str, Any],
                     etag: str = "") -> Workflow:
        """Apply ``changes`` (fields of :attr:`updatable`); a new definition is a new version.

        Raises:
            InvalidArgument: The new definition or schedule is bad.
            Aborted: The workflow changed since ``etag`` (or concurrently with this update).
        """
        current = await self._workflows.get(tenant, id_)
        changed = dataclasses.replace(current, **changes)
        if changed.definition_yaml != current.definition_yaml:
            await asyncio.to_thread(parse_definition, changed.definition_yaml)
            changed = dataclasses.replace(changed, version=current.version + 1)
        if changed.schedule != current.schedule:
            check_schedule(changed.schedule)
        # Always conditional on what was read, so two updates cannot both claim one version.
        return await self._workflows.update(changed, etag or current.etag)

    async def revisions(self, tenant: str, workflow_id: str, page: PageRequest) -> Page[Workflow]:
        """The stored versions of a workflow, newest first.

        Raises:
            NotFound: No such workflow.
        """
        await self._workflows.get(tenant, workflow_id)
        return await self._workflows.revisions(tenant, workflow_id, page)
