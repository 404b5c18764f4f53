"""``SdkMcpConnector``: the MCP SDK's client sessions to the servers tenants mount.

A stdio server is started for each use through the sandbox's launcher (its own uid, cgroup,
bubblewrap, no network, a minimal environment) and stopped after it; a streamable HTTP server
is reached over a connection pinned to an address the SSRF guard allows
(:mod:`services.tool_runner.mcp.guarded_http`). Every use has a time limit on connecting
(spawn, initialize) and on its request.
"""

from __future__ import annotations

import asyncio
import contextlib
import dataclasses
import json
import logging
import tempfile
from collections.abc import AsyncIterator, Awaitable, Callable, Sequence
from contextlib import AbstractContextManager
from typing import IO, Any, Protocol, TextIO, TypeVar

import anyio
from mcp import ClientSession, StdioServerParameters, stdio_client, types
from mcp.client._transport import TransportStreams
from mcp.client.streamable_http import streamable_http_client
from mcp.shared.exceptions import MCPError

from services.tool_runner.core.mcp_connector import McpToolOutput, McpToolSpec
from services.tool_runner.core.models import McpServer, McpTransport
from services.tool_runner.mcp.guarded_http import pinned_client, vetted_address
from services.tool_runner.sandbox import Limits, SlotsExhausted
from services.tool_runner.web.addresses import AddressPolicy
from services.tool_runner.web.resolver import Resolver
from shared.errors import (
    Aborted,
    CognitionError,
    DeadlineExceeded,
    FailedPrecondition,
    ResourceExhausted,
)

log = logging.getLogger(__name__)

T = TypeVar("T")

# All a stdio server's launcher gets of the tool-runner's environment (the launcher gives the
# server its own minimal one).
LAUNCHER_ENV = {"PATH": "/usr/local/bin:/usr/bin:/bin", "HOME": "/tmp", "LANG": "C.UTF-8",
                "LOGNAME": "nobody", "USER": "nobody", "SHELL": "/bin/sh", "TERM": "dumb"}
CLIENT_INFO = types.Implementation(name="cognitionos-tool-runner", version="1")
MAX_LISTED = 1000  # tools read from one server at most (its listing may page)
STDERR_TAIL = 600  # characters of a failed stdio server's stderr quoted in the error
LAUNCHER_MARGIN = 0.5  # seconds a stdio server outlives its use's deadline at most


class CommandSandbox(Protocol):
    """What the connector needs of the sandbox (``services.tool_runner.sandbox.Sandbox``):
    the argv that runs a program confined, and the names of its layers."""

    @property
    def layers(self) -> tuple[str, ...]:
        """The confinement layers, outermost first."""
        ...

    def command(self, argv: Sequence[str], *, limits: Limits, network: bool = False,
                ro_paths: Sequence[str] = (), keep_env: Sequence[str] = ()
                ) -> AbstractContextManager[list[str]]:
        """The launcher's argv for ``argv``, its slot held while the block runs."""
        ...


@dataclasses.dataclass(frozen=True)
class McpClientSettings:
    """How the connector reaches MCP servers.

    Attributes:
        connect_seconds: Starting (or connecting to) a server and its ``initialize``.
        list_seconds: Its ``tools/list`` (all pages).
        limits: What a stdio server may use (``wall_seconds`` is set per use).
        ro_paths: Host paths shown read-only to stdio servers (where their programs live).
        allowed_networks: Private networks HTTP servers may be on (the SSRF guard's
            operator setting, e.g. ``10.1.2.0/24``).
    """

    connect_seconds: float = 15.0
    list_seconds: float = 30.0
    limits: Limits = dataclasses.field(default_factory=Limits)
    ro_paths: tuple[str, ...] = ()
    allowed_networks: tuple[str, ...] = ()


class SdkMcpConnector:
    """Reaches MCP servers with the MCP SDK (implements ``McpConnector``).

    Args:
        sandbox: Confines stdio servers; None refuses them (FAILED_PRECONDITION
            ``SANDBOX_UNAVAILABLE``), since they are never run unconfined.
        settings: Time limits, the stdio servers' limits and the HTTP guard's networks.
        resolver: Resolves HTTP servers' host names (the system's resolver by default).
    """

    def __init__(self, sandbox: CommandSandbox | None,
                 settings: McpClientSettings | None = None, *,
                 resolver: Resolver | None = None) -> None:
        self._sandbox = sandbox
        self._settings = settings or McpClientSettings()
        self._policy = AddressPolicy(self._settings.allowed_networks)
        self._resolver = resolver

    async def list_tools(self, server: McpServer) -> list[McpToolSpec]:
        """Every tool ``server`` lists; FailedPrecondition when it cannot be reached, does not
        answer in time or does not list its tools."""

        async def listing(session: ClientSession) -> list[types.Tool]:
            tools: list[types.Tool] = []
            cursor: str | None = None
            while len(tools) < MAX_LISTED:
                params = types.PaginatedRequestParams(cursor=cursor) if cursor else None
                page = await session.list_tools(params=params)
                tools += page.tools
                cursor = page.next_cursor
                if not cursor:
                    break
            return tools

        tools, _ = await self._use(server, listing, seconds=self._settings.list_seconds,
                                   what="list its tools")
        return [McpToolSpec(name=tool.name, description=tool.description or "",
                            input_schema=dict(tool.input_schema),
                            output_schema=dict(tool.output_schema)
                            if tool.output_schema is not None else None)
                for tool in tools]

    async def call_tool(self, server: McpServer, name: str, arguments: dict[str, Any], *,
                        timeout: float, cancelled: asyncio.Event | None = None
                        ) -> McpToolOutput:
        """The tool's result (an error the server reports is an output with ``is_error``);
        DeadlineExceeded past ``timeout`` seconds (connecting included), Aborted
        (``MCP_CALL_CANCELLED``) once ``cancelled`` is set."""

        async def call(session: ClientSession) -> types.CallToolResult | McpToolOutput:
            try:
                return await session.call_tool(name, arguments)
            except MCPError as error:
                return McpToolOutput(text=f"MCP error {error.error.code}: {error.error.message}",
                                     is_error=True)
            except RuntimeError as error:  # e.g. structured content breaking its schema
                return McpToolOutput(text=str(error), is_error=True)

        result, layers = await self._use(server, call, seconds=timeout, what=f"call {name!r}",
                                         total=True, cancelled=cancelled)
        output = result if isinstance(result, McpToolOutput) else _output(result)
        return dataclasses.replace(output, sandbox_layers=layers)

    async def _use(self, server: McpServer, work: Callable[[ClientSession], Awaitable[T]], *,
                   seconds: float, what: str, total: bool = False,
                   cancelled: asyncio.Event | None = None) -> tuple[T, tuple[str, ...]]:
        """``work`` on a fresh session with ``server``: connecting within connect_seconds
        (and, when ``total``, both within ``seconds``), then ``work`` within ``seconds``."""
        start = anyio.current_time()
        connect = (min(self._settings.connect_seconds, seconds) if total
                   else self._settings.connect_seconds)
        scope = anyio.CancelScope(deadline=start + connect)
        life = seconds if total else connect + seconds  # the most a use may take
        connected = done = False
        result: T | None = None
        layers: tuple[str, ...] = ()
        watcher = asyncio.ensure_future(cancelled.wait()) if cancelled is not None else None
        if watcher is not None:
            watcher.add_done_callback(lambda waited: _cancel_unless(waited, scope))
        try:
            with tempfile.TemporaryFile(mode="w+", encoding="utf-8", errors="replace") as stderr:
                try:
                    with scope:
                        async with self._streams(server, stderr, life) as (
                                streams, layers), \
                                ClientSession(*streams, client_info=CLIENT_INFO) as session:
                            await session.initialize()
                            connected = True
                            scope.deadline = (start + seconds if total
                                              else anyio.current_time() + seconds)
                            result = await work(session)
                            done = True
                except Exception as error:
                    if not done:
                        if scope.cancel_called:
                            raise _stopped(server, what, cancelled, connected, total, seconds,
                                           connect) from error
                        raise self._error(server, what, _leaf(error), stderr) from error
                    log.debug("closing the MCP server %s failed", server.id, exc_info=True)
        finally:
            if watcher is not None:
                watcher.cancel()
        if not done:  # leaving the scope swallowed its cancellation
            raise _stopped(server, what, cancelled, connected, total, seconds, connect)
        return result, layers  # type: ignore[return-value]  # set when done

    def _error(self, server: McpServer, what: str, error: BaseException,
               stderr: IO[str]) -> CognitionError:
        if isinstance(error, CognitionError):
            return error
        if isinstance(error, MCPError):
            why = f"MCP error {error.error.code}: {error.error.message}"
        else:
            why = str(error) or type(error).__name__
        said = _tail(stderr)
        message = f"the MCP server {server.id!r} cannot {what}: {why}"
        log.info("MCP server %s/%s failed: %s%s", server.tenant, server.id, why,
                 f" (stderr: {said})" if said else "")
        return FailedPrecondition(message + (f"; it wrote: {said}" if said else ""),
                                  reason="MCP_SERVER_UNREACHABLE",
                                  metadata={"mcp_server": server.id})

    @contextlib.asynccontextmanager
    async def _streams(self, server: McpServer, stderr: TextIO, life_seconds: float
                       ) -> AsyncIterator[tuple[TransportStreams, tuple[str, ...]]]:
        """The transport's streams to ``server`` and the confinement layers it runs in."""
        if server.transport is McpTransport.STDIO:
            if self._sandbox is None:
                raise FailedPrecondition(
                    "stdio MCP servers run only in the sandbox, which this tool-runner lacks",
                    reason="SANDBOX_UNAVAILABLE")
            # The launcher ends the server itself just after the use's deadline, so that an
            # abandoned call does not wait out the SDK's grace for a clean exit.
            limits = dataclasses.replace(self._settings.limits,
                                         wall_seconds=life_seconds + LAUNCHER_MARGIN)
            with contextlib.ExitStack() as slot:
                try:
                    argv = slot.enter_context(self._sandbox.command(
                        [server.command, *server.args], limits=limits,
                        ro_paths=self._settings.ro_paths))
                except SlotsExhausted as error:
                    raise ResourceExhausted("every sandbox slot for MCP servers is in use",
                                            reason="SANDBOX_BUSY", retry_after=1.0) from error
                parameters = StdioServerParameters(command=argv[0], args=argv[1:],
                                                   env=LAUNCHER_ENV)
                async with stdio_client(parameters, errlog=stderr) as streams:
                    yield streams, self._sandbox.layers
            return
        address = await vetted_address(server.url, self._policy, self._resolver)
        async with pinned_client(server.url, address, timeout=life_seconds) as http, \
                streamable_http_client(server.url, http_client=http) as streams:
            yield streams, ()


def _stopped(server: McpServer, what: str, cancelled: asyncio.Event | None, connected: bool,
             total: bool, seconds: float, connect: float) -> CognitionError:
    """Why a use of ``server`` was cut short."""
    if cancelled is not None and cancelled.is_set():
        return Aborted("the MCP call was cancelled", reason="MCP_CALL_CANCELLED")
    if total and connected:
        return DeadlineExceeded(f"the MCP server {server.id!r} did not {what} within "
                                f"{seconds:g} s", reason="MCP_CALL_TIMED_OUT")
    limit = connect if not connected else seconds
    step = "answer" if not connected else what
    error: CognitionError = FailedPrecondition(
        f"the MCP server {server.id!r} did not {step} within {limit:g} s",
        reason="MCP_SERVER_UNREACHABLE", metadata={"mcp_server": server.id})
    if total:
        error = DeadlineExceeded(error.message, reason="MCP_CALL_TIMED_OUT")
    return error


def _cancel_unless(waited: asyncio.Future[Any], scope: anyio.CancelScope) -> None:
    """Cancel ``scope`` once ``waited`` (the run's cancellation) is set, not when dropped."""
    if not waited.cancelled():
        scope.cancel()


def _leaf(error: BaseException) -> BaseException:
    """The first exception that is not a group (task groups wrap what their tasks raise),
    preferring one of ours."""
    while isinstance(error, BaseExceptionGroup):
        ours = [e for e in error.exceptions if isinstance(e, CognitionError)]
        error = ours[0] if ours else error.exceptions[0]
    return error


def _tail(stderr: IO[str]) -> str:
    try:
        stderr.seek(0, 2)
        size = stderr.tell()
        stderr.seek(max(0, size - STDERR_TAIL * 4))
        text = stderr.read()
    except (OSError, ValueError):
        return ""
    return " | ".join(line.strip() for line in text.strip().splitlines()[-5:])[-STDERR_TAIL:]


def _block_text(block: types.ContentBlock) -> str:
    if isinstance(block, types.TextContent):
        return block.text
    if isinstance(block, types.EmbeddedResource):
        resource = block.resource
        if isinstance(resource, types.TextResourceContents):
            return resource.text
        return f"[resource {resource.uri}: {resource.mime_type or 'binary'}]"
    if isinstance(block, types.ResourceLink):
        return f"[resource link {block.uri}]"
    if isinstance(block, types.ImageContent | types.AudioContent):
        return f"[{block.type}: {block.mime_type}, {len(block.data) * 3 // 4} bytes]"
    return f"[{getattr(block, 'type', 'content')}]"


def _output(result: types.CallToolResult) -> McpToolOutput:
    """A call's result as the run's output: its structured content as JSON when it has some
    (so that it satisfies the tool's output schema), else its content blocks as text."""
    if result.structured_content is not None and not result.is_error:
        text = json.dumps(result.structured_content, ensure_ascii=False)
    else:
        text = "\n".join(_block_text(block) for block in result.content)
    return McpToolOutput(text=text, is_error=bool(result.is_error),
                         structured=result.structured_content)
