"""The mesh as an MCP server: an SDK ClientSession lists and runs a real tool-runner's tools
through the exposing server, over streamable HTTP and over stdio."""

from __future__ import annotations

import asyncio
import json
import os
import pathlib
import sys
from collections.abc import AsyncIterator

import grpc
import httpx2
import pytest
import uvicorn
from mcp import ClientSession, StdioServerParameters, stdio_client
from mcp.client.streamable_http import streamable_http_client
from mcp.shared.exceptions import MCPError

from services.tool_runner.config import Settings
from services.tool_runner.mcp.mesh_tools import MeshTools
from services.tool_runner.mcp.server import mesh_mcp_app
from services.tool_runner.server import create_server
from tests.helpers import service_credential

ROOT = pathlib.Path(__file__).resolve().parents[3]


@pytest.fixture
async def tool_runner(tmp_path: pathlib.Path) -> AsyncIterator[str]:
    running = await create_server(Settings(port=0, mesh={"data_dir": str(tmp_path)}))
    try:
        yield f"127.0.0.1:{running.port}"
    finally:
        await running.stop(0)


@pytest.fixture
async def mcp_url(tool_runner: str) -> AsyncIterator[str]:
    """The exposing server over streamable HTTP on an ephemeral loopback port."""
    async with grpc.aio.insecure_channel(tool_runner) as channel:
        app = mesh_mcp_app(MeshTools(channel), host="127.0.0.1")
        server = uvicorn.Server(uvicorn.Config(app, host="127.0.0.1", port=0,
                                               log_level="warning", lifespan="on"))
        serving = asyncio.create_task(server.serve())
        while not server.started:
            await asyncio.sleep(0.02)
        port = server.servers[0].sockets[0].getsockname()[1]
        yield f"http://127.0.0.1:{port}/mcp"
        server.should_exit = True
        await serving


async def _exercise(session: ClientSession) -> None:
    await session.initialize()
    listed = {tool.name: tool for tool in (await session.list_tools()).tools}
    assert {"calculator", "json_query", "http_request"} <= set(listed)
    assert listed["calculator"].input_schema["required"] == ["expression"]

    done = await session.call_tool("calculator", {"expression": "6 * 7"})
    assert not done.is_error, done.content
    assert done.structured_content == {"value": 42}
    bad = await session.call_tool("calculator", {"expression": 7})
    assert bad.is_error
    with pytest.raises(MCPError, match="NOT_FOUND"):
        await session.call_tool("no_such_tool", {})


async def test_an_mcp_client_lists_and_runs_the_mesh_tools_over_http(mcp_url: str) -> None:
    token = service_credential(tenant="acme")
    async with httpx2.AsyncClient(headers={"Authorization": f"Bearer {token}"}) as http, \
            streamable_http_client(mcp_url, http_client=http) as (read, write), \
            ClientSession(read, write) as session:
        await _exercise(session)


async def test_a_request_without_a_credential_gets_401(mcp_url: str) -> None:
    async with httpx2.AsyncClient() as http:
        response = await http.post(mcp_url, json={"jsonrpc": "2.0", "id": 1, "method": "ping"},
                                   headers={"accept": "application/json, text/event-stream"})
    assert response.status_code == 401
    assert response.headers["www-authenticate"].startswith("Bearer")


async def test_an_mcp_client_runs_the_mesh_tools_over_stdio(tool_runner: str) -> None:
    parameters = StdioServerParameters(
        command=sys.executable,
        args=["-m", "services.tool_runner.mcp", "--target", tool_runner, "--stdio"],
        env={"COGNOS_TOKEN": service_credential(tenant="acme"),
             "PYTHONPATH": os.pathsep.join([str(ROOT), str(ROOT / "gen")])},
        cwd=str(ROOT))
    with open(os.devnull, "w") as quiet:
        async with stdio_client(parameters, errlog=quiet) as (read, write), \
                ClientSession(read, write) as session:
            await _exercise(session)
            listed = await session.list_tools()
            assert json.dumps(listed.tools[0].input_schema)
