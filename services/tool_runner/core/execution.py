"""What running a tool takes and gives, whatever runs it: a built-in, the sandbox, an HTTP
endpoint or an MCP server."""

from __future__ import annotations

import asyncio
import dataclasses
import datetime as dt
from collections.abc import Awaitable, Callable
from typing import Any, Protocol

from services.tool_runner.core.models import Tool, ToolRunState

OutputSink = Callable[[str], Awaitable[None]]


async def _discard(chunk: str) -> None:
    return None


@dataclasses.dataclass(frozen=True)
class ToolCall:
    """One run's request: the tool, its checked input, for whom, and how to report."""

    tenant: str
    tool: Tool
    input: Any  # the parsed JSON input, already checked against the tool's schema
    timeout: dt.timedelta
    agent_type: str = ""
    # Set when the run is cancelled; executors stop as soon as they can.
    cancelled: asyncio.Event = dataclasses.field(default_factory=asyncio.Event)
    # Called with each piece of output as it is written (WatchToolRun streams it).
    on_output: OutputSink = _discard


@dataclasses.dataclass(frozen=True)
class ToolResult:
    """How a run ended."""

    state: ToolRunState
    output: str = ""
    stderr: str = ""
    exit_code: int = 0
    error_message: str = ""
    sandbox_layers: tuple[str, ...] = ()
    output_truncated: bool = False

    @classmethod
    def failed(cls, message: str, exit_code: int = 1) -> ToolResult:
        """A run that could not do its work, for ``message``."""
        return cls(ToolRunState.FAILED, exit_code=exit_code, error_message=message)


class Executor(Protocol):
    """Runs the tools of one runtime."""

    async def execute(self, call: ToolCall) -> ToolResult:
        """Run ``call`` to its end; an executor reports failures in the result rather than
        raising."""
        ...
