"""``ToolService``: registering, reading, changing and removing tools."""

from __future__ import annotations

import dataclasses
from collections.abc import Mapping
from typing import Any

from services.tool_runner.core.models import Tool, ToolState
from services.tool_runner.core.rules import check_tool
from shared.resources.filters import MATCH_ALL, Filter
from shared.resources.pages import Page, PageRequest
from shared.resources.store import Store

UPDATABLE_FIELDS = ("display_name", "description", "runtime", "entrypoint", "input_schema",
                    "timeout", "allowed_hosts")


class ToolService:
    """Tools of every tenant, persisted through ``tools``.

    Args:
        tools: Repository of tools.
    """

    def __init__(self, tools: Store[Tool]) -> None:
        self._tools = tools

    async def create(self, tool: Tool) -> Tool:
        """Register a new, active tool.

        Raises:
            InvalidArgument: The tool breaks a rule of :mod:`services.tool_runner.core.rules`.
            AlreadyExists: The id is taken.
        """
        check_tool(tool)
        return await self._tools.create(dataclasses.replace(tool, state=ToolState.ACTIVE))

    async def get(self, tenant: str, tool_id: str) -> Tool:
        return await self._tools.get(tenant, tool_id)

    async def list(self, tenant: str, page: PageRequest,
                   matching: Filter = MATCH_ALL) -> Page[Tool]:
        """One page of the tenant's tools that ``matching`` selects, newest first."""
        return await self._tools.list_matching(tenant, page, matching)

    async def update(self, tenant: str, tool_id: str, changes: Mapping[str, Any],
                     etag: str = "") -> Tool:
        """Apply ``changes`` (a subset of UPDATABLE_FIELDS) to a tool.

        Raises:
            InvalidArgument: The changed tool breaks a rule.
        """
        current = await self._tools.get(tenant, tool_id)
        changed = dataclasses.replace(current, **changes)
        check_tool(changed)
        return await self._tools.update(changed, etag)

    async def delete(self, tenant: str, tool_id: str) -> None:
        await self._tools.delete(tenant, tool_id)
