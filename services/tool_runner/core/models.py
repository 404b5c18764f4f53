"""Domain models of the tool-runner."""

from __future__ import annotations

import dataclasses
import datetime as dt
import enum

from shared.resources.entity import Entity


class ToolRuntime(enum.StrEnum):
    """How a tool's entrypoint is run."""

    PYTHON = "PYTHON"
    SHELL = "SHELL"
    HTTP = "HTTP"
    BUILTIN = "BUILTIN"
    MCP = "MCP"


class ToolState(enum.StrEnum):
    """Whether a tool may be run."""

    ACTIVE = "ACTIVE"
    DISABLED = "DISABLED"


@dataclasses.dataclass(frozen=True, kw_only=True)
class Tool(Entity):
    """A tool agents may call: a built-in, a tenant's HTTP tool, or a mounted MCP tool."""

    display_name: str
    description: str = ""
    runtime: ToolRuntime
    # The built-in's or MCP tool's name, the HTTP tool's URL, or code.
    entrypoint: str
    # JSON Schema (as text) every run's input must satisfy; empty accepts any JSON.
    input_schema: str = ""
    output_schema: str = ""
    # None means the server's default run timeout.
    timeout: dt.timedelta | None = None
    allowed_hosts: list[str] = dataclasses.field(default_factory=list)
    state: ToolState = ToolState.ACTIVE
    # Scopes a caller must hold besides tools.run; agent types that may call it (empty: all).
    required_scopes: list[str] = dataclasses.field(default_factory=list)
    agent_types: list[str] = dataclasses.field(default_factory=list)
    idempotent: bool = False
    http_method: str = ""
    # The id of the MCP server it was mounted from; empty for other tools.
    mcp_server: str = ""


class ToolRunState(enum.StrEnum):
    """Lifecycle of a tool run."""

    QUEUED = "QUEUED"
    RUNNING = "RUNNING"
    SUCCEEDED = "SUCCEEDED"
    FAILED = "FAILED"
    TIMED_OUT = "TIMED_OUT"
    CANCELLED = "CANCELLED"
    LIMIT_EXCEEDED = "LIMIT_EXCEEDED"

    @property
    def ended(self) -> bool:
        """Whether the run is over."""
        return self not in (ToolRunState.QUEUED, ToolRunState.RUNNING)


@dataclasses.dataclass(frozen=True, kw_only=True)
class ToolRun(Entity):
    """One run of a tool with one input."""

    tool: str  # the tool's id
    input: str
    state: ToolRunState = ToolRunState.QUEUED
    output: str = ""
    stderr: str = ""
    exit_code: int = 0
    error_message: str = ""
    start_time: dt.datetime | None = None
    end_time: dt.datetime | None = None
    goal: str = ""
    task: str = ""
    agent: str = ""
    agent_type: str = ""
    creator: str = ""
    sandbox_layers: list[str] = dataclasses.field(default_factory=list)
    output_truncated: bool = False


class McpTransport(enum.StrEnum):
    """How the tool-runner speaks to an MCP server."""

    STDIO = "STDIO"
    STREAMABLE_HTTP = "STREAMABLE_HTTP"


@dataclasses.dataclass(frozen=True, kw_only=True)
class McpServer(Entity):
    """An MCP server whose tools are mounted into its tenant's registry."""

    display_name: str
    transport: McpTransport
    command: str = ""
    args: list[str] = dataclasses.field(default_factory=list)
    url: str = ""
    required_scopes: list[str] = dataclasses.field(default_factory=list)
    agent_types: list[str] = dataclasses.field(default_factory=list)
    # The ids of the tools mounted from it.
    tools: list[str] = dataclasses.field(default_factory=list)
    sync_time: dt.datetime | None = None
