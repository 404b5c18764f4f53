"""Settings of the tool-runner (``COGNOS_TOOL_RUNNER_*``)."""

from __future__ import annotations

from pydantic import Field
from pydantic_settings import SettingsConfigDict

from shared.config import ServiceSettings
from shared.mesh.registry import by_name

SPEC = by_name("tool-runner")


class Settings(ServiceSettings):
    """The shared service settings plus the sandbox's limits and the HTTP guard's."""

    model_config = SettingsConfigDict(env_prefix=SPEC.env_prefix, extra="ignore", frozen=True)

    # Seconds a run of a tool that sets no timeout may take.
    default_timeout_seconds: float = Field(default=30.0, gt=0, le=600)
    # execute_python's limits per run.
    sandbox_cpu_seconds: float = Field(default=10.0, gt=0)
    sandbox_wall_seconds: float = Field(default=30.0, gt=0)
    sandbox_memory_mib: int = Field(default=512, gt=0)
    sandbox_processes: int = Field(default=32, gt=0)
    sandbox_output_kib: int = Field(default=1024, gt=0)
    # Runs of execute_python at once (each has its own unprivileged uid).
    sandbox_slots: int = Field(default=4, gt=0, le=64)
    # Networks HTTP tools may reach although they are private (CIDRs, e.g. an internal
    # API's 10.1.2.0/24); loopback, link-local and metadata addresses stay refused otherwise.
    http_allowed_networks: list[str] = Field(default_factory=list)
    http_max_response_kib: int = Field(default=1024, gt=0)
    # Read-only paths a stdio MCP server's sandbox shows besides the system (its install).
    mcp_stdio_paths: list[str] = Field(default_factory=list)
    # Seconds to connect to an MCP server, and to list its tools.
    mcp_connect_seconds: float = Field(default=15.0, gt=0)
    mcp_list_seconds: float = Field(default=30.0, gt=0)
