"""``ToolService``: registering, reading, changing and removing tools."""

from __future__ import annotations

import dataclasses
from collections.abc import Collection

from services.tool_runner.core.models import Tool, ToolState
from services.tool_runner.core.rules import check_tool
from shared.resources.standard import Resources


class ToolService(Resources[Tool]):
    """Tools of every tenant: a new tool is active, and every version obeys
    :mod:`services.tool_runner.core.rules`."""

    updatable = ("display_name", "description", "runtime", "entrypoint", "input_schema",
                 "timeout", "allowed_hosts")

    async def check(self, resource: Tool, changed: Collection[str] | None) -> None:
        check_tool(resource)

    def prepared(self, resource: Tool) -> Tool:
        return dataclasses.replace(resource, state=ToolState.ACTIVE)
