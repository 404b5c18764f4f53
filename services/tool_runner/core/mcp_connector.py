"""What the tool-runner's domain asks of a connection to an MCP server: its tools, and a call
of one. The MCP SDK side lives in :mod:`services.tool_runner.mcp.client`."""

from __future__ import annotations

import asyncio
import dataclasses
from typing import Any, Protocol

from services.tool_runner.core.models import McpServer


@dataclasses.dataclass(frozen=True)
class McpToolSpec:
    """One tool an MCP server lists: its own name, description and JSON Schemas (None when
    the server gives none)."""

    name: str
    description: str = ""
    input_schema: dict[str, Any] | None = None
    output_schema: dict[str, Any] | None = None


@dataclasses.dataclass(frozen=True)
class McpToolOutput:
    """What a call of an MCP tool gave: its content as text (the structured content as JSON
    when there is some), whether the server flagged it an error, and the confinement layers
    the server ran in."""

    text: str
    is_error: bool = False
    structured: Any = None
    sandbox_layers: tuple[str, ...] = ()


class McpConnector(Protocol):
    """Reaches MCP servers: a stdio server confined in the sandbox, an HTTP one behind the
    SSRF guard.

    Errors: FailedPrecondition when the server cannot be started, reached or spoken to
    (reasons ``MCP_SERVER_UNREACHABLE``, ``MCP_SERVER_REFUSED`` for an address the guard
    refuses, ``SANDBOX_UNAVAILABLE``); DeadlineExceeded when it does not answer in time;
    Aborted (``MCP_CALL_CANCELLED``) when ``cancelled`` is set during a call.
    """

    async def list_tools(self, server: McpServer) -> list[McpToolSpec]:
        """Every tool ``server`` lists (all pages)."""
        ...

    async def call_tool(self, server: McpServer, name: str, arguments: dict[str, Any], *,
                        timeout: float, cancelled: asyncio.Event | None = None
                        ) -> McpToolOutput:
        """Call the tool ``name`` of ``server`` with ``arguments``, within ``timeout``
        seconds, abandoning it when ``cancelled`` is set."""
        ...
