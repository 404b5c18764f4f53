"""Process of the tool-runner: its database, registry, runs and executors on the shared
bootstrap."""

from __future__ import annotations

import asyncio
import contextlib
import datetime as dt
import logging
import pathlib

from cognition.tools.v1 import tools_service_pb2_grpc as pb_grpc
from services.tool_runner.config import SPEC, Settings
from services.tool_runner.core.builtins import Builtin, Builtins
from services.tool_runner.core.builtins.calculator import Calculator
from services.tool_runner.core.builtins.http_request import (
    DeclarativeHttp,
    HttpLimits,
    HttpRequestTool,
)
from services.tool_runner.core.builtins.json_query import JsonQuery
from services.tool_runner.core.builtins.memory_search import MemorySearchTool
from services.tool_runner.core.builtins.python import ExecutePython
from services.tool_runner.core.execution import Executor
from services.tool_runner.core.mcp_executor import McpExecutor
from services.tool_runner.core.mcp_servers import McpServers
from services.tool_runner.core.models import ToolRuntime
from services.tool_runner.core.runs import ToolRuns
from services.tool_runner.core.sandboxed_code import SandboxedCode
from services.tool_runner.core.tools import ToolService
from services.tool_runner.mcp.client import McpClientSettings, SdkMcpConnector
from services.tool_runner.peers.memory import MeshMemorySearch
from services.tool_runner.repository import (
    mcp_server_repository,
    tool_repository,
    tool_run_repository,
)
from services.tool_runner.sandbox import Limits, Sandbox, SandboxUnavailable
from services.tool_runner.servicer import ToolServicer
from shared.database import DatabaseConnection
from shared.rpc.composition import LoopTask, Peers, ServiceParts
from shared.rpc.server import RunningServer, start_service

MIGRATIONS = pathlib.Path(__file__).parent / "migrations"
# A run still QUEUED or RUNNING this long after it was created outlived any timeout: the
# process running it stopped.
ABANDONED_AFTER = dt.timedelta(seconds=660)
REAP_INTERVAL_SECONDS = 60.0

log = logging.getLogger(__name__)


def sandbox_of(settings: Settings) -> tuple[Sandbox | None, Limits]:
    """The sandbox of code tools and its limits; no sandbox (so no execute_python) where no
    confinement is available: code never runs unconfined."""
    limits = Limits(cpu_seconds=settings.sandbox_cpu_seconds,
                    wall_seconds=settings.sandbox_wall_seconds,
                    memory_bytes=settings.sandbox_memory_mib << 20,
                    processes=settings.sandbox_processes,
                    output_bytes=settings.sandbox_output_kib << 10)
    try:
        return Sandbox.detect(slots=settings.sandbox_slots), limits
    except SandboxUnavailable as error:
        log.error("execute_python and code tools are not offered: %s", error)
        return None, limits


def compose(settings: Settings, db: DatabaseConnection, peers: Peers) -> ServiceParts:
    """The tool-runner's parts: the registry with the built-ins, the runs and their
    executors (built-ins, sandboxed code, HTTP, MCP), the MCP servers, and a loop that ends
    runs a stopped process left behind."""
    sandbox, limits = sandbox_of(settings)
    http = HttpLimits(allowed_networks=tuple(settings.http_allowed_networks),
                      max_response_bytes=settings.http_max_response_kib << 10)
    offered: dict[str, Builtin] = {
        "calculator": Calculator(), "json_query": JsonQuery(),
        "http_request": HttpRequestTool(http),
        "memory_search": MemorySearchTool(MeshMemorySearch(peers.client("memory")))}
    executors: dict[ToolRuntime, Executor] = {ToolRuntime.HTTP: DeclarativeHttp(http)}
    if sandbox is not None:
        offered["execute_python"] = ExecutePython(sandbox, limits)
        code = SandboxedCode(sandbox, limits)
        executors[ToolRuntime.PYTHON] = code
        executors[ToolRuntime.SHELL] = code
    builtins = Builtins(offered)
    executors[ToolRuntime.BUILTIN] = builtins
    tools = ToolService(tool_repository(db), builtins.specs)
    connector = SdkMcpConnector(sandbox, McpClientSettings(
        allowed_networks=tuple(http.allowed_networks), limits=limits,
        ro_paths=tuple(settings.mcp_stdio_paths), connect_seconds=settings.mcp_connect_seconds,
        list_seconds=settings.mcp_list_seconds))
    mcp_servers = McpServers(mcp_server_repository(db), tools, connector)
    executors[ToolRuntime.MCP] = McpExecutor(mcp_server_repository(db), connector)
    run_table = tool_run_repository(db)
    runs = ToolRuns(run_table, tools, executors,
                    dt.timedelta(seconds=settings.default_timeout_seconds))
    servicer = ToolServicer(tools, runs, mcp_servers)

    async def end_abandoned_runs(stopping: asyncio.Event) -> None:
        while not stopping.is_set():
            try:
                await runs.abandon(await run_table.unfinished(ABANDONED_AFTER))
            except Exception:
                log.warning("ending abandoned tool runs failed; retrying", exc_info=True)
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(stopping.wait(), REAP_INTERVAL_SECONDS)

    return ServiceParts(lambda server: pb_grpc.add_ToolServiceServicer_to_server(servicer, server),
                        loops={"run-reaper": LoopTask("tool-run-reaper", end_abandoned_runs,
                                                      grace=2.0)})


async def create_server(settings: Settings) -> RunningServer:
    """Start the tool-runner (port 0 in settings = any free port)."""
    return await start_service(SPEC, settings, MIGRATIONS, compose)
