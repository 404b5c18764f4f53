"""``McpExecutor``: runs the tools mounted from MCP servers by calling them on their server."""

from __future__ import annotations

from services.tool_runner.core.execution import ToolCall, ToolResult
from services.tool_runner.core.mcp_connector import McpConnector
from services.tool_runner.core.models import McpServer, ToolRunState
from shared.errors import CognitionError, DeadlineExceeded, NotFound
from shared.resources.store import ReadStore


class McpExecutor:
    """The executor of runtime MCP: one connection to the tool's server per call (a stdio
    server is started for the call and stopped after it).

    Args:
        servers: The MCP servers' table.
        connector: How servers are reached.
    """

    def __init__(self, servers: ReadStore[McpServer], connector: McpConnector) -> None:
        self._servers = servers
        self._connector = connector

    async def execute(self, call: ToolCall) -> ToolResult:
        """Call the tool on its server: SUCCEEDED with its output, FAILED with the server's
        error or why it could not be reached, TIMED_OUT, or CANCELLED."""
        tool = call.tool
        if not isinstance(call.input, dict):
            return ToolResult.failed("an MCP tool takes a JSON object of arguments")
        try:
            server = await self._servers.get(call.tenant, tool.mcp_server)
        except NotFound:
            return ToolResult.failed(f"the MCP server {tool.mcp_server!r} of {tool.id!r} "
                                     "is gone")
        timeout = call.timeout.total_seconds()
        try:
            output = await self._connector.call_tool(
                server, tool.entrypoint, call.input, timeout=timeout, cancelled=call.cancelled)
        except DeadlineExceeded:
            return ToolResult(ToolRunState.TIMED_OUT,
                              error_message=f"wall time limit of {timeout:g} s exceeded")
        except CognitionError as error:
            if call.cancelled.is_set():
                return ToolResult(ToolRunState.CANCELLED, error_message="cancelled")
            return ToolResult.failed(error.message)
        if output.text:
            await call.on_output(output.text)
        if output.is_error:
            return ToolResult(ToolRunState.FAILED, output=output.text, exit_code=1,
                              error_message=_first_line(output.text) or "the tool failed",
                              sandbox_layers=output.sandbox_layers)
        return ToolResult(ToolRunState.SUCCEEDED, output=output.text,
                          sandbox_layers=output.sandbox_layers)


def _first_line(text: str, limit: int = 500) -> str:
    line = text.strip().split("\n", 1)[0]
    return line if len(line) <= limit else line[:limit - 1] + "…"
