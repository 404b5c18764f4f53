"""``McpServers``: registering MCP servers and keeping the tools mounted from them in step.

A server's tools are mounted into its tenant's registry as MCP tools named
``{server id}__{tool name}`` (see :func:`mounted_tool_id`); the server's record lists them.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import hashlib
import json
import re
import secrets
import urllib.parse
from collections.abc import Iterable, Sequence
from typing import Any

from services.tool_runner.core.mcp_connector import McpConnector, McpToolSpec
from services.tool_runner.core.models import McpServer, McpTransport, Tool, ToolRuntime
from services.tool_runner.core.tools import ToolService
from shared.errors import AlreadyExists, FailedPrecondition, InvalidArgument, NotFound
from shared.resources.entity import utc_now
from shared.resources.filters import MATCH_ALL
from shared.resources.pages import Page, PageRequest
from shared.resources.store import Store
from shared.values.json_schema import schema_problems

# A tool id: lowercase letters, digits, `_` and `-`, at most this long (the tool id pattern).
MAX_TOOL_ID = 63
MAX_DISPLAY_NAME = 200
MAX_DESCRIPTION = 4000
MAX_SCHEMA = 65536
MAX_TOOLS = 256
DEFAULT_TIMEOUT = dt.timedelta(seconds=60)
# What a mounted tool whose input schema the mesh cannot check accepts: any arguments object.
LOOSE_INPUT_SCHEMA = '{"type":"object"}'
_UNSAFE = re.compile(r"[^a-z0-9_-]+")
# The fields of a mounted tool that come from the server's listing.
_LISTED = ("display_name", "description", "entrypoint", "input_schema", "output_schema")


def mounted_tool_id(server_id: str, tool_name: str, taken: Iterable[str] = ()) -> str:
    """The registry id of the tool ``tool_name`` of server ``server_id``:
    ``{server_id}__{name}`` with the name lowercased and every run of other characters than
    ``[a-z0-9_-]`` made one ``_``; cut to 63 characters with a digest of the name when too
    long or already ``taken`` by another of the server's tools."""
    taken = set(taken)
    base = f"{server_id}__{_UNSAFE.sub('_', tool_name.lower())}"
    if len(base) <= MAX_TOOL_ID and base not in taken:
        return base
    for attempt in range(100):
        digest = hashlib.sha256(f"{attempt}:{tool_name}".encode()).hexdigest()[:8]
        candidate = f"{base[:MAX_TOOL_ID - 9]}-{digest}"
        if candidate not in taken:
            return candidate
    raise FailedPrecondition(f"cannot name the MCP tool {tool_name!r}",
                             reason="MCP_TOOL_UNNAMEABLE")


def _schema_text(schema: dict[str, Any] | None, loose: str) -> tuple[str, str]:
    """A listed schema as stored (the text, or ``loose`` when the mesh cannot check it) and,
    when loosened, why."""
    if schema is None:
        return "", ""
    text = json.dumps(schema, ensure_ascii=False, separators=(",", ":"))
    if len(text) > MAX_SCHEMA:
        return loose, f"larger than {MAX_SCHEMA} characters"
    problems = schema_problems(schema)
    if problems:
        return loose, problems[0]
    return text, ""


def mounted_tool(server: McpServer, spec: McpToolSpec, tool_id: str) -> Tool:
    """The registry entry of ``spec``, listed by ``server``."""
    input_schema, input_note = _schema_text(spec.input_schema, LOOSE_INPUT_SCHEMA)
    output_schema, output_note = _schema_text(spec.output_schema, "")
    notes = [f"(The mesh does not check this tool's {which} against its schema: {why}.)"
             for which, why in (("input", input_note), ("output", output_note)) if why]
    description = "\n\n".join([spec.description, *notes]) if notes else spec.description
    if len(description) > MAX_DESCRIPTION:
        description = description[:MAX_DESCRIPTION - 1] + "…"
    return Tool(tenant=server.tenant, id=tool_id,
                display_name=(spec.name or tool_id)[:MAX_DISPLAY_NAME],
                description=description, runtime=ToolRuntime.MCP, entrypoint=spec.name,
                input_schema=input_schema, output_schema=output_schema,
                timeout=DEFAULT_TIMEOUT, required_scopes=list(server.required_scopes),
                agent_types=list(server.agent_types), mcp_server=server.id)


def mounted_tools(server: McpServer, specs: Sequence[McpToolSpec]) -> list[Tool]:
    """The registry entries of the tools ``server`` lists (each name once, in name order)."""
    by_name = {spec.name: spec for spec in reversed(specs)}
    if len(by_name) > MAX_TOOLS:
        raise FailedPrecondition(
            f"the MCP server lists {len(by_name)} tools; at most {MAX_TOOLS} can be mounted",
            reason="MCP_SERVER_TOO_MANY_TOOLS")
    tools: list[Tool] = []
    for name in sorted(by_name):
        tool_id = mounted_tool_id(server.id, name, (tool.id for tool in tools))
        tools.append(mounted_tool(server, by_name[name], tool_id))
    return tools


def check_server(server: McpServer) -> None:
    """A stdio server needs a command, an HTTP one an http(s) URL, and neither the other's.

    Raises:
        InvalidArgument: On ``mcp_server.command``, ``mcp_server.args`` or ``mcp_server.url``.
    """
    if server.transport is McpTransport.STDIO:
        if not server.command.strip():
            raise InvalidArgument.for_field("mcp_server.command",
                                            "a stdio MCP server needs a command")
        if any("\0" in part for part in server.args) or "\0" in server.command:
            raise InvalidArgument.for_field("mcp_server.args", "must not hold NUL characters")
        if server.url:
            raise InvalidArgument.for_field("mcp_server.url",
                                            "only a streamable HTTP MCP server has a URL")
        return
    try:
        url = urllib.parse.urlsplit(server.url)
        url.port  # noqa: B018  # raises for a port that is not a number in range
    except ValueError as error:
        raise InvalidArgument.for_field("mcp_server.url", f"not a URL: {error}") from error
    if url.scheme not in ("http", "https") or not url.hostname:
        raise InvalidArgument.for_field(
            "mcp_server.url", "a streamable HTTP MCP server needs an http(s) URL")
    if url.username is not None or url.password is not None:
        raise InvalidArgument.for_field("mcp_server.url", "must not carry credentials")
    if server.command or server.args:
        raise InvalidArgument.for_field("mcp_server.command",
                                        "only a stdio MCP server has a command")


class McpServers:
    """The MCP servers of every tenant and the tools mounted from them.

    Args:
        store: The servers' table.
        tools: The tool registry the servers' tools are mounted into.
        connector: How servers are reached.
    """

    def __init__(self, store: Store[McpServer], tools: ToolService,
                 connector: McpConnector) -> None:
        self._store = store
        self._tools = tools
        self._connector = connector

    async def create(self, server: McpServer) -> McpServer:
        """Reach ``server``, mount its tools and store it (an empty id gets a short one).

        Raises:
            InvalidArgument: The server is malformed.
            AlreadyExists: Its id is taken, or a tool of the tenant's own has the name a
                mounted tool would take (reason ``TOOL_NAME_TAKEN``).
            FailedPrecondition: It cannot be reached or does not list its tools; nothing is
                stored then.
        """
        check_server(server)
        if not server.id:
            server = dataclasses.replace(server, id=f"mcp-{secrets.token_hex(4)}")
        self._store.check_tenant(server.tenant)
        try:
            await self._store.get(server.tenant, server.id)
        except NotFound:
            pass
        else:
            raise AlreadyExists(f"MCP server {server.id!r} already exists",
                                reason="MCP_SERVER_ALREADY_EXISTS")
        specs = await self._connector.list_tools(server)
        tools = mounted_tools(server, specs)
        mounted: list[str] = []
        try:
            for tool in tools:
                await self._tools.mount(tool)
                mounted.append(tool.id)
        except BaseException:
            for tool_id in mounted:
                await self._tools.unmount(server.tenant, tool_id)
            raise
        return await self._store.create(dataclasses.replace(
            server, tools=mounted, sync_time=utc_now(), etag=""))

    async def get(self, tenant: str, id_: str) -> McpServer:
        """The server ``id_``; NotFound when there is none."""
        return await self._store.get(tenant, id_)

    async def list(self, tenant: str, page: PageRequest) -> Page[McpServer]:
        """One page of the tenant's servers, newest first."""
        return await self._store.list_matching(tenant, page, MATCH_ALL)

    async def delete(self, tenant: str, id_: str) -> None:
        """Unmount the server's tools and remove it; NotFound when there is none."""
        server = await self._store.get(tenant, id_)
        for tool_id in server.tools:
            await self._tools.unmount(tenant, tool_id)
        await self._store.delete(tenant, id_)

    async def sync(self, tenant: str, id_: str) -> McpServer:
        """List the server's tools again: mount new ones, update changed ones, unmount
        vanished ones.

        Raises:
            NotFound: No such server.
            FailedPrecondition: It cannot be reached; its tools stay as they were.
        """
        server = await self._store.get(tenant, id_)
        wanted = mounted_tools(server, await self._connector.list_tools(server))
        mounted: list[str] = []
        try:
            for tool in wanted:
                if await self._changed(tool):
                    await self._tools.mount(tool)
                mounted.append(tool.id)
        except BaseException:
            # Keep every tool that may be mounted on the record, so delete removes it.
            await self._store.update(dataclasses.replace(
                server, tools=sorted(set(server.tools) | set(mounted))))
            raise
        for tool_id in set(server.tools) - set(mounted):
            await self._tools.unmount(tenant, tool_id)
        return await self._store.update(dataclasses.replace(
            server, tools=mounted, sync_time=utc_now()))

    async def _changed(self, tool: Tool) -> bool:
        """Whether ``tool`` differs from its registry entry in what the server lists."""
        try:
            current = await self._tools.get(tool.tenant, tool.id)
        except NotFound:
            return True
        return (current.runtime is not ToolRuntime.MCP or current.mcp_server != tool.mcp_server
                or any(getattr(current, name) != getattr(tool, name) for name in _LISTED))
