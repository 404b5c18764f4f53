"""``MeshTools``: a tenant's mesh tools as MCP tools, through the tool-runner's gRPC API with
the MCP client's own credential (an access token, or an API key exchanged for one).

A tool is exposed under its registry id. MCP passes a tool an object of arguments; a mesh
tool whose input schema asks for something else is exposed as taking ``{"input": ...}``.
"""

from __future__ import annotations

import json
import time
from typing import Any

import grpc
import jwt
from mcp import types
from mcp.shared.exceptions import MCPError

from cognition.auth.v1 import auth_service_pb2, auth_service_pb2_grpc
from cognition.tools.v1 import tool_pb2, tool_run_pb2
from cognition.tools.v1 import tools_service_pb2 as pb
from cognition.tools.v1 import tools_service_pb2_grpc as pb_grpc
from shared.context import AUTHORIZATION_HEADER
from shared.errors import CognitionError, NotFound, Unauthenticated
from shared.rpc.status import from_rpc_error

LIST_SECONDS = 30.0
# A run answers within its tool's timeout (at most 600 s) and a little more.
RUN_SECONDS = 660.0
WRAPPED = "input"  # the one argument of a tool whose input is not an object
_ACTIVE = "state = TOOL_STATE_ACTIVE"
_ENDED_BADLY = {
    tool_run_pb2.TOOL_RUN_STATE_FAILED: "failed",
    tool_run_pb2.TOOL_RUN_STATE_TIMED_OUT: "timed out",
    tool_run_pb2.TOOL_RUN_STATE_CANCELLED: "was cancelled",
    tool_run_pb2.TOOL_RUN_STATE_LIMIT_EXCEEDED: "exceeded a limit",
}


def _claims(token: str) -> dict[str, Any] | None:
    """The claims of a JWT, unverified (the mesh verifies it), or None for another string."""
    if token.count(".") != 2:
        return None
    try:
        claims: dict[str, Any] = jwt.decode(token, options={"verify_signature": False})
    except jwt.PyJWTError:
        return None
    return claims


def _schema(tool: tool_pb2.Tool) -> tuple[dict[str, Any], bool]:
    """The MCP input schema of ``tool`` and whether its input is wrapped in ``input``."""
    try:
        schema = json.loads(tool.input_schema) if tool.input_schema else {}
    except ValueError:
        schema = {}
    if not isinstance(schema, dict):
        schema = {}
    kinds = schema.get("type", "object")
    kinds = kinds if isinstance(kinds, list) else [kinds]
    if "object" in kinds:
        return {**schema, "type": "object"}, False
    return {"type": "object", "required": [WRAPPED], "properties": {WRAPPED: schema}}, True


def _mcp_tool(tool: tool_pb2.Tool) -> types.Tool:
    schema, _ = _schema(tool)
    return types.Tool(name=tool.name.rsplit("/", 1)[-1], title=tool.display_name or None,
                      description=tool.description or tool.display_name, input_schema=schema)


def _result(run: tool_run_pb2.ToolRun) -> types.CallToolResult:
    """A run's end as MCP content; anything but success is an error result."""
    if run.state == tool_run_pb2.TOOL_RUN_STATE_SUCCEEDED:
        structured: dict[str, Any] | None = None
        try:
            parsed = json.loads(run.output)
            structured = parsed if isinstance(parsed, dict) else None
        except ValueError:
            pass
        return types.CallToolResult(content=[types.TextContent(type="text", text=run.output)],
                                    structured_content=structured)
    how = _ENDED_BADLY.get(run.state, "did not succeed")
    lines = [f"the tool {how}: {run.error_message}" if run.error_message else f"the tool {how}"]
    lines += [text for text in (run.output, run.stderr) if text]
    return types.CallToolResult(content=[types.TextContent(type="text", text="\n".join(lines))],
                                is_error=True)


def _error_result(error: CognitionError) -> types.CallToolResult:
    return types.CallToolResult(
        content=[types.TextContent(type="text", text=f"{error.reason}: {error.message}")],
        is_error=True)


class MeshTools:
    """Lists and runs the tools of a tenant through the tool-runner (or Envoy in front of it).

    Args:
        channel: A channel to the tool-runner's gRPC API, or to the mesh's API address (which
            also serves auth, needed only to exchange API keys).
        tenant: The tenant whose tools are shown; empty takes it from each access token.
    """

    def __init__(self, channel: grpc.aio.Channel, tenant: str = "") -> None:
        self._tools = pb_grpc.ToolServiceStub(channel)
        self._auth = auth_service_pb2_grpc.AuthServiceStub(channel)
        self._tenant = tenant.removeprefix("tenants/")
        self._exchanged: dict[str, tuple[str, float]] = {}
        self._wrapped: dict[tuple[str, str], bool] = {}

    async def list(self, credential: str) -> list[types.Tool]:
        """The active tools the credential's tenant has, as MCP tools."""
        token, tenant = await self._token(credential)
        found: list[types.Tool] = []
        page_token = ""
        while True:
            try:
                page = await self._tools.ListTools(
                    pb.ListToolsRequest(parent=f"tenants/{tenant}", page_size=1000,
                                        page_token=page_token, filter=_ACTIVE),
                    metadata=_bearer(token), timeout=LIST_SECONDS)
            except grpc.aio.AioRpcError as error:
                raise _mcp_error(from_rpc_error(error)) from error
            for tool in page.tools:
                self._wrapped[(tenant, tool.name)] = _schema(tool)[1]
                found.append(_mcp_tool(tool))
            page_token = page.next_page_token
            if not page_token:
                return found

    async def call(self, credential: str, name: str, arguments: dict[str, Any]
                   ) -> types.CallToolResult:
        """Run the tool ``name`` with ``arguments`` and wait for its end."""
        token, tenant = await self._token(credential)
        resource = f"tenants/{tenant}/tools/{name}"
        try:
            value: Any = arguments
            if await self._is_wrapped(token, tenant, resource):
                value = arguments.get(WRAPPED)
            response = await self._tools.RunTool(
                pb.RunToolRequest(name=resource, input=json.dumps(value), wait=True),
                metadata=_bearer(token), timeout=RUN_SECONDS)
        except grpc.aio.AioRpcError as error:
            failure = from_rpc_error(error)
            if isinstance(failure, NotFound | Unauthenticated):
                raise _mcp_error(failure) from error
            return _error_result(failure)
        return _result(response.tool_run)

    async def _is_wrapped(self, token: str, tenant: str, resource: str) -> bool:
        known = self._wrapped.get((tenant, resource))
        if known is None:
            tool = (await self._tools.GetTool(pb.GetToolRequest(name=resource),
                                              metadata=_bearer(token),
                                              timeout=LIST_SECONDS)).tool
            known = self._wrapped[(tenant, resource)] = _schema(tool)[1]
        return known

    async def _token(self, credential: str) -> tuple[str, str]:
        """The access token for ``credential`` and the tenant it acts in."""
        claims = _claims(credential)
        token = credential
        if claims is None:
            token = await self._exchange(credential)
            claims = _claims(token) or {}
        tenant = self._tenant or str(claims.get("tenant", "")).removeprefix("tenants/")
        if not tenant:
            raise MCPError(types.INVALID_REQUEST,
                           "no tenant: the credential names none; give one explicitly")
        return token, tenant

    async def _exchange(self, api_key: str) -> str:
        """An access token for the API key (kept until shortly before it expires)."""
        cached = self._exchanged.get(api_key)
        if cached is not None and cached[1] > time.monotonic():
            return cached[0]
        try:
            response = await self._auth.IssueToken(auth_service_pb2.IssueTokenRequest(
                api_key=auth_service_pb2.ApiKeyGrant(secret=api_key),
                tenant=f"tenants/{self._tenant}" if self._tenant else ""), timeout=LIST_SECONDS)
        except grpc.aio.AioRpcError as error:
            raise _mcp_error(from_rpc_error(error)) from error
        lifetime = response.expires_in.seconds or 60
        self._exchanged[api_key] = (response.access_token,
                                    time.monotonic() + max(lifetime - 30, lifetime / 2))
        return str(response.access_token)


def _bearer(token: str) -> list[tuple[str, str]]:
    return [(AUTHORIZATION_HEADER, f"Bearer {token}")]


def _mcp_error(error: CognitionError) -> MCPError:
    code = types.INVALID_PARAMS if isinstance(error, NotFound) else types.INTERNAL_ERROR
    return MCPError(code, f"{error.reason}: {error.message}")
