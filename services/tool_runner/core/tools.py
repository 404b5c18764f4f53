"""``ToolService``: the registry of tools — the built-ins every tenant has, tenants' own tools
and those mounted from MCP servers."""

from __future__ import annotations

import contextlib
import dataclasses
from collections.abc import Collection, Mapping, Sequence
from typing import Any

from services.tool_runner.core.builtins import BuiltinSpec, registry_entry
from services.tool_runner.core.models import Tool, ToolRuntime, ToolState
from services.tool_runner.core.rules import check_tool
from shared.errors import AlreadyExists, FailedPrecondition, InvalidArgument, NotFound
from shared.resources.filters import MATCH_ALL, Filter
from shared.resources.pages import Page, PageRequest
from shared.resources.standard import Resources
from shared.resources.store import Store

# What a tenant may change of a tool it did not define itself (a built-in or an MCP tool).
MANAGED_UPDATABLE = frozenset({"allowed_hosts", "agent_types", "required_scopes", "timeout"})
MANAGED = (ToolRuntime.BUILTIN, ToolRuntime.MCP)


class ToolService(Resources[Tool]):
    """Tools of every tenant: a new tool is active and every version obeys
    :mod:`services.tool_runner.core.rules`. The built-ins appear in a tenant's registry the
    first time it is read; a tenant may tune who may run them and where they may reach, but
    not change or delete them.

    Args:
        store: The tools' table.
        builtins: The built-ins this tool-runner offers.
    """

    updatable = ("display_name", "description", "runtime", "entrypoint", "input_schema",
                 "output_schema", "timeout", "allowed_hosts", "required_scopes", "agent_types",
                 "idempotent", "http_method")

    def __init__(self, store: Store[Tool], builtins: Sequence[BuiltinSpec] = ()) -> None:
        super().__init__(store)
        self._builtins = list(builtins)
        self._stocked: set[str] = set()

    async def check(self, resource: Tool, changed: Collection[str] | None) -> None:
        check_tool(resource)

    def prepared(self, resource: Tool) -> Tool:
        if resource.runtime in MANAGED:
            raise InvalidArgument.for_field(
                "tool.runtime", "built-in and MCP tools are provided by the mesh, not created")
        return dataclasses.replace(resource, state=ToolState.ACTIVE)

    async def stock(self, tenant: str) -> None:
        """Put the built-ins in ``tenant``'s registry (once per process and tenant)."""
        if tenant in self._stocked:
            return
        for spec in self._builtins:
            try:
                await self._store.get(tenant, spec.name)
            except NotFound:
                with contextlib.suppress(AlreadyExists):  # a concurrent first read stocked it
                    await self._store.create(registry_entry(tenant, spec))
        self._stocked.add(tenant)

    async def get(self, tenant: str, id_: str) -> Tool:
        await self.stock(tenant)
        return await super().get(tenant, id_)

    async def list(self, tenant: str, page: PageRequest,
                   matching: Filter = MATCH_ALL) -> Page[Tool]:
        await self.stock(tenant)
        return await super().list(tenant, page, matching)

    async def callable_by(self, tenant: str, agent_type: str, page: PageRequest,
                          matching: Filter = MATCH_ALL) -> Page[Tool]:
        """One page of the active tools ``agent_type`` may call (a page may hold fewer than
        its size; the token goes on)."""
        found = await self.list(tenant, page, matching)
        usable = [tool for tool in found.items if tool.state is ToolState.ACTIVE
                  and (not tool.agent_types or agent_type in tool.agent_types)]
        return dataclasses.replace(found, items=usable)

    async def update(self, tenant: str, id_: str, changes: Mapping[str, Any],
                     etag: str = "") -> Tool:
        current = await self.get(tenant, id_)
        if current.runtime in MANAGED:
            refused = sorted(set(changes) - MANAGED_UPDATABLE)
            if refused:
                raise FailedPrecondition(
                    f"{id_!r} is provided by the mesh; only {', '.join(sorted(MANAGED_UPDATABLE))}"
                    f" may change (asked: {', '.join(refused)})", reason="TOOL_MANAGED")
        elif changes.get("runtime") in MANAGED:
            raise InvalidArgument.for_field(
                "tool.runtime", "built-in and MCP tools are provided by the mesh, not created")
        return await super().update(tenant, id_, changes, etag)

    async def delete(self, tenant: str, id_: str) -> None:
        current = await self.get(tenant, id_)
        if current.runtime is ToolRuntime.BUILTIN:
            raise FailedPrecondition(f"{id_!r} is a built-in tool and cannot be deleted",
                                     reason="TOOL_MANAGED")
        if current.runtime is ToolRuntime.MCP:
            raise FailedPrecondition(
                f"{id_!r} was mounted from the MCP server {current.mcp_server!r}; delete the "
                "server to remove its tools", reason="TOOL_MANAGED")
        await super().delete(tenant, id_)

    async def mount(self, tool: Tool) -> Tool:
        """Store or replace a tool mounted from an MCP server."""
        try:
            current = await self._store.get(tool.tenant, tool.id)
        except NotFound:
            return await self._store.create(tool)
        if current.runtime is not ToolRuntime.MCP or current.mcp_server != tool.mcp_server:
            raise AlreadyExists(f"a tool named {tool.id!r} exists already",
                                reason="TOOL_NAME_TAKEN")
        kept = {name: getattr(current, name) for name in MANAGED_UPDATABLE}
        return await self._store.update(dataclasses.replace(
            tool, create_time=current.create_time, etag=current.etag, **kept))

    async def unmount(self, tenant: str, id_: str) -> None:
        """Remove a tool mounted from an MCP server (gone already counts as done)."""
        with contextlib.suppress(NotFound):
            await self._store.delete(tenant, id_)
