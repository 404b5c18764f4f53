"""The mesh as an MCP server: a tenant's active tools, listed and run through the
tool-runner's gRPC API with the MCP client's own credential.

Over streamable HTTP each request's ``Authorization: Bearer …`` is forwarded to the mesh (a
request without one gets 401); over stdio the credential is given once (``COGNOS_TOKEN``).
The credential is an access token or an API key; the tenant is the token's or the one given.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from typing import Any

import grpc
import uvicorn
from mcp import stdio_server, types
from mcp.server.context import ServerRequestContext
from mcp.server.lowlevel import Server
from mcp.shared.exceptions import MCPError
from starlette.types import ASGIApp, Receive, Scope, Send

from services.tool_runner.mcp.mesh_tools import MeshTools

log = logging.getLogger(__name__)

SERVER_NAME = "cognitionos"
INSTRUCTIONS = ("The tools of a CognitionOS tenant. Each call runs the tool in the mesh (code "
                "in its sandbox, HTTP behind its SSRF guard) and answers with the run's output.")
MCP_PATH = "/mcp"

CredentialOf = Callable[[ServerRequestContext[Any, Any]], str]


def mesh_mcp_server(tools: MeshTools, credential_of: CredentialOf) -> Server[Any]:
    """An MCP server whose tools are the mesh's, each request made with the credential
    ``credential_of`` finds for it."""

    async def list_tools(ctx: ServerRequestContext[Any, Any],
                         params: types.PaginatedRequestParams | None) -> types.ListToolsResult:
        return types.ListToolsResult(tools=await tools.list(credential_of(ctx)))

    async def call_tool(ctx: ServerRequestContext[Any, Any],
                        params: types.CallToolRequestParams) -> types.CallToolResult:
        return await tools.call(credential_of(ctx), params.name, dict(params.arguments or {}))

    return Server(SERVER_NAME, instructions=INSTRUCTIONS, on_list_tools=list_tools,
                  on_call_tool=call_tool)


def bearer_of(ctx: ServerRequestContext[Any, Any]) -> str:
    """The bearer credential of the HTTP request a message came in."""
    headers = getattr(ctx.request, "headers", None)
    credential = _bearer((headers or {}).get("authorization", ""))
    if not credential:  # the app refuses such requests before they get here
        raise MCPError(types.INVALID_REQUEST, "no bearer credential")
    return credential


def _bearer(header: str) -> str:
    scheme, _, credential = header.strip().partition(" ")
    return credential.strip() if scheme.lower() == "bearer" else ""


class RequireBearer:
    """ASGI middleware: an HTTP request without ``Authorization: Bearer …`` gets 401."""

    def __init__(self, app: ASGIApp) -> None:
        self._app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "http":
            headers = dict(scope.get("headers") or [])
            if not _bearer(headers.get(b"authorization", b"").decode("latin-1")):
                body = (b'{"error":"unauthenticated","message":"send a CognitionOS access '
                        b'token or API key as Authorization: Bearer <credential>"}')
                await send({"type": "http.response.start", "status": 401, "headers": [
                    (b"content-type", b"application/json"),
                    (b"content-length", str(len(body)).encode()),
                    (b"www-authenticate", b'Bearer realm="cognitionos"')]})
                await send({"type": "http.response.body", "body": body})
                return
        await self._app(scope, receive, send)


def mesh_mcp_app(tools: MeshTools, *, host: str = "127.0.0.1") -> ASGIApp:
    """The streamable HTTP app (at ``/mcp``) serving the mesh's tools; stateless, so any
    replica answers any request. ``host`` is the address it is served on (loopback turns
    on the SDK's DNS-rebinding protection)."""
    server = mesh_mcp_server(tools, bearer_of)
    app = server.streamable_http_app(streamable_http_path=MCP_PATH, stateless_http=True,
                                     json_response=True, host=host)
    return RequireBearer(app)


async def serve_http(target: str, host: str, port: int, tenant: str = "") -> None:
    """Serve the mesh's tools over streamable HTTP at ``http://{host}:{port}/mcp`` until
    stopped.

    Args:
        target: The mesh's gRPC address (Envoy, or the tool-runner itself when no API key
            is used).
        host: The address to listen on.
        port: The port to listen on.
        tenant: The tenant whose tools are served; empty takes each token's.
    """
    async with grpc.aio.insecure_channel(target) as channel:
        app = mesh_mcp_app(MeshTools(channel, tenant), host=host)
        log.info("serving the mesh's tools over MCP at http://%s:%d%s", host, port, MCP_PATH)
        await uvicorn.Server(uvicorn.Config(app, host=host, port=port, log_level="warning",
                                            lifespan="on")).serve()


async def serve_stdio(target: str, token: str, tenant: str = "") -> None:
    """Serve the mesh's tools over this process's stdin and stdout, every call made with
    ``token`` (an access token or API key), until stdin closes.

    Args:
        target: The mesh's gRPC address.
        token: The credential every call carries.
        tenant: The tenant whose tools are served; empty takes the token's.
    """
    if not token:
        raise ValueError("serving over stdio needs a credential (COGNOS_TOKEN)")
    async with grpc.aio.insecure_channel(target) as channel:
        server = mesh_mcp_server(MeshTools(channel, tenant), lambda _ctx: token)
        async with stdio_server() as (read, write):
            await server.run(read, write, server.create_initialization_options())
