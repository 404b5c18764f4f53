"""Mounting MCP servers: a real stdio server confined by the sandbox, and a streamable HTTP
server (the SDK's MCPServer) on loopback, which the SSRF guard lets through only when the
operator allows 127.0.0.1/32."""

from __future__ import annotations

import asyncio
import dataclasses
import datetime as dt
import json
import pathlib
from collections.abc import AsyncIterator

import pytest
import uvicorn
from mcp.server.mcpserver import MCPServer

from services.tool_runner.core.execution import ToolCall
from services.tool_runner.core.mcp_executor import McpExecutor
from services.tool_runner.core.mcp_servers import LOOSE_INPUT_SCHEMA, McpServers, mounted_tool_id
from services.tool_runner.core.models import McpServer, McpTransport, ToolRunState, ToolRuntime
from services.tool_runner.core.tools import ToolService
from services.tool_runner.mcp.client import McpClientSettings, SdkMcpConnector
from services.tool_runner.repository import mcp_server_repository, tool_repository
from services.tool_runner.sandbox import Limits, Sandbox, SandboxUnavailable
from shared.database import DatabaseConnection
from shared.errors import AlreadyExists, FailedPrecondition, InvalidArgument, NotFound
from shared.resources.pages import PageRequest
from tests.helpers import sandbox_readable

# Where the sandbox's unprivileged uids can read it.
ECHO = str(sandbox_readable(pathlib.Path(__file__).resolve().parents[2] / "mcp_servers"
                            / "echo_server.py"))
SERVERS = pathlib.Path(ECHO).parent
SYSTEM_PYTHON = "/usr/bin/python3"


@pytest.fixture(scope="module")
def sandbox() -> Sandbox:
    try:
        return Sandbox.detect(slots=1, command_slots=4, uid_base=62000)
    except SandboxUnavailable as error:
        pytest.skip(f"no sandbox on this machine: {error}")


def _stdio_connector(sandbox: Sandbox) -> SdkMcpConnector:
    return SdkMcpConnector(sandbox, McpClientSettings(
        connect_seconds=20, ro_paths=(str(SERVERS),),
        limits=Limits(cpu_seconds=30, memory_bytes=256 << 20)))


def _echo(*tools: str, **changes: object) -> McpServer:
    fields: dict[str, object] = {
        "tenant": "acme", "id": "echo", "display_name": "Echo", "transport": McpTransport.STDIO,
        "command": SYSTEM_PYTHON, "args": [ECHO, "--tools", ",".join(tools)],
        "required_scopes": ["tools.echo"], "agent_types": ["executor"], **changes}
    return McpServer(**fields)  # type: ignore[arg-type]


def _call(tool: object, arguments: object, seconds: float = 30) -> ToolCall:
    return ToolCall(tenant="acme", tool=tool, input=arguments,  # type: ignore[arg-type]
                    timeout=dt.timedelta(seconds=seconds))


def test_mounted_tool_ids_are_safe_and_short() -> None:
    assert mounted_tool_id("echo", "Look.Ahead!") == "echo__look_ahead_"
    long = mounted_tool_id("echo", "x" * 80)
    assert len(long) == 63 and long.startswith("echo__xxx")
    assert mounted_tool_id("echo", "a", taken={"echo__a"}) != "echo__a"


async def test_a_stdio_server_is_mounted_run_synced_and_deleted(
        db: DatabaseConnection, sandbox: Sandbox) -> None:
    connector = _stdio_connector(sandbox)
    servers_table = mcp_server_repository(db)
    tools = ToolService(tool_repository(db))
    servers = McpServers(servers_table, tools, connector)
    executor = McpExecutor(servers_table, connector)

    created = await servers.create(_echo("add", "shout", "lookahead", "fail", "whoami"))
    assert created.tools == ["echo__look_ahead_", "echo__add", "echo__fail", "echo__shout",
                             "echo__whoami"]
    assert created.sync_time is not None
    add = await tools.get("acme", "echo__add")
    assert (add.runtime, add.entrypoint, add.mcp_server) == (ToolRuntime.MCP, "add", "echo")
    assert json.loads(add.input_schema)["required"] == ["a", "b"]
    assert json.loads(add.output_schema)["properties"] == {"sum": {"type": "integer"}}
    assert add.timeout == dt.timedelta(seconds=60)
    assert (add.required_scopes, add.agent_types) == (["tools.echo"], ["executor"])
    odd = await tools.get("acme", "echo__look_ahead_")
    assert odd.entrypoint == "Look.Ahead!" and odd.input_schema == LOOSE_INPUT_SCHEMA
    assert "does not check this tool's input" in odd.description

    added = await executor.execute(_call(add, {"a": 2, "b": 3}))
    assert added.state is ToolRunState.SUCCEEDED, added.error_message
    assert json.loads(added.output) == {"sum": 5}
    assert "bwrap" in added.sandbox_layers
    shouted = await executor.execute(_call(await tools.get("acme", "echo__shout"),
                                           {"text": "hi"}))
    assert (shouted.state, shouted.output) == (ToolRunState.SUCCEEDED, "HI")
    failed = await executor.execute(_call(await tools.get("acme", "echo__fail"), {}))
    assert failed.state is ToolRunState.FAILED and failed.error_message == "it went wrong"
    who = await executor.execute(_call(await tools.get("acme", "echo__whoami"), {}))
    seen = json.loads(who.output)
    assert seen["uid"] != 0 and seen["network"].startswith("no network")
    assert "COGNOS_MESH_SECRET" not in seen["env"]

    # The server now lists other tools: sync mounts the new, keeps the same, drops the gone.
    await servers_table.update(_echo("add", "reverse", etag=created.etag,
                                     tools=created.tools, sync_time=created.sync_time,
                                     create_time=created.create_time))
    synced = await servers.sync("acme", "echo")
    assert synced.tools == ["echo__add", "echo__reverse"]
    assert synced.sync_time is not None and synced.sync_time > created.sync_time
    assert (await tools.get("acme", "echo__add")).etag == add.etag  # unchanged, not rewritten
    for gone in ("echo__shout", "echo__fail", "echo__look_ahead_", "echo__whoami"):
        with pytest.raises(NotFound):
            await tools.get("acme", gone)
    reversed_ = await executor.execute(_call(await tools.get("acme", "echo__reverse"),
                                             {"text": "abc"}))
    assert reversed_.output == "cba"

    with pytest.raises(AlreadyExists):
        await servers.create(_echo("add"))
    assert [s.id for s in (await servers.list("acme", PageRequest())).items] == ["echo"]

    await servers.delete("acme", "echo")
    with pytest.raises(NotFound):
        await servers.get("acme", "echo")
    for gone in synced.tools:
        with pytest.raises(NotFound):
            await tools.get("acme", gone)


async def test_a_call_is_timed_out_or_cancelled(db: DatabaseConnection,
                                                sandbox: Sandbox) -> None:
    connector = _stdio_connector(sandbox)
    servers_table = mcp_server_repository(db)
    tools = ToolService(tool_repository(db))
    await McpServers(servers_table, tools, connector).create(_echo("sleep"))
    executor = McpExecutor(servers_table, connector)
    sleep = await tools.get("acme", "echo__sleep")

    timed_out = await executor.execute(_call(sleep, {"seconds": 30}, seconds=3))
    assert timed_out.state is ToolRunState.TIMED_OUT, timed_out.error_message

    call = _call(sleep, {"seconds": 30})
    asyncio.get_running_loop().call_later(2.0, call.cancelled.set)
    cancelled = await executor.execute(call)
    assert cancelled.state is ToolRunState.CANCELLED, cancelled.error_message

    missing = await executor.execute(_call(dataclasses.replace(sleep, entrypoint="nope"), {}))
    assert missing.state is ToolRunState.FAILED and "unknown tool" in missing.error_message


async def test_an_unreachable_or_malformed_server_stores_nothing(
        db: DatabaseConnection, sandbox: Sandbox) -> None:
    servers_table = mcp_server_repository(db)
    tools = ToolService(tool_repository(db))
    servers = McpServers(servers_table, tools, _stdio_connector(sandbox))

    with pytest.raises(FailedPrecondition) as missing:
        await servers.create(_echo(command="/no/such/program", args=[]))
    assert missing.value.reason == "MCP_SERVER_UNREACHABLE"
    assert "cannot list its tools" in missing.value.message
    assert "/no/such/program" in missing.value.message  # what the launcher wrote
    with pytest.raises(FailedPrecondition):
        await servers.create(_echo(command="/bin/false", args=[]))
    assert (await servers.list("acme", PageRequest())).items == []
    assert [t for t in (await tools.list("acme", PageRequest())).items
            if t.runtime is ToolRuntime.MCP] == []

    with pytest.raises(InvalidArgument) as no_command:
        await servers.create(_echo(command="", args=[]))
    assert no_command.value.violations[0].field == "mcp_server.command"
    with pytest.raises(InvalidArgument) as bad_url:
        await servers.create(_echo(transport=McpTransport.STREAMABLE_HTTP, command="", args=[],
                                   url="ftp://example.com/mcp"))
    assert bad_url.value.violations[0].field == "mcp_server.url"
    with pytest.raises(FailedPrecondition) as no_sandbox:
        await McpServers(servers_table, tools, SdkMcpConnector(None)).create(_echo("add"))
    assert no_sandbox.value.reason == "SANDBOX_UNAVAILABLE"


@pytest.fixture
async def http_server() -> AsyncIterator[str]:
    """The SDK's MCPServer with one tool, served on an ephemeral loopback port."""
    app = MCPServer("calculator")

    @app.tool()
    def multiply(a: int, b: int) -> int:
        """Multiplies two integers."""
        return a * b

    server = uvicorn.Server(uvicorn.Config(app.streamable_http_app(), host="127.0.0.1", port=0,
                                           log_level="warning", lifespan="on"))
    serving = asyncio.create_task(server.serve())
    while not server.started:
        await asyncio.sleep(0.02)
    port = server.servers[0].sockets[0].getsockname()[1]
    yield f"http://127.0.0.1:{port}/mcp"
    server.should_exit = True
    await serving


async def test_a_streamable_http_server_is_mounted_behind_the_guard(
        db: DatabaseConnection, http_server: str) -> None:
    servers_table = mcp_server_repository(db)
    tools = ToolService(tool_repository(db))
    server = McpServer(tenant="acme", id="calc", display_name="Calculator",
                       transport=McpTransport.STREAMABLE_HTTP, url=http_server)

    guarded = McpServers(servers_table, tools, SdkMcpConnector(None))
    with pytest.raises(FailedPrecondition) as refused:
        await guarded.create(server)
    assert refused.value.reason == "MCP_SERVER_REFUSED"
    assert "loopback" in refused.value.message

    connector = SdkMcpConnector(None, McpClientSettings(allowed_networks=("127.0.0.1/32",)))
    created = await McpServers(servers_table, tools, connector).create(server)
    assert created.tools == ["calc__multiply"]
    multiply = await tools.get("acme", "calc__multiply")
    assert multiply.description == "Multiplies two integers."
    assert set(json.loads(multiply.input_schema)["properties"]) == {"a", "b"}

    result = await McpExecutor(servers_table, connector).execute(
        _call(multiply, {"a": 6, "b": 7}))
    assert result.state is ToolRunState.SUCCEEDED, result.error_message
    assert json.loads(result.output) == {"result": 42}
    assert result.sandbox_layers == ()
