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


class ToolState(enum.StrEnum):
    """Whether a tool may be run."""

    ACTIVE = "ACTIVE"
    DISABLED = "DISABLED"


@dataclasses.dataclass(frozen=True, kw_only=True)
class Tool(Entity):
    """A tool agents may call: Python code, a shell command or an HTTP endpoint."""

    display_name: str
    description: str = ""
    runtime: ToolRuntime
    entrypoint: str
    # JSON Schema (as text) every run's input must satisfy; empty accepts any JSON.
    input_schema: str = ""
    # None means the server's default run timeout.
    timeout: dt.timedelta | None = None
    allowed_hosts: list[str] = dataclasses.field(default_factory=list)
    state: ToolState = ToolState.ACTIVE
