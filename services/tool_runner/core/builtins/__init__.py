"""The mesh's own tools, in every tenant's registry."""

from __future__ import annotations

import json
from collections.abc import Mapping

from services.tool_runner.core.builtins.base import Builtin, BuiltinSpec
from services.tool_runner.core.execution import ToolCall, ToolResult
from services.tool_runner.core.models import Tool, ToolRuntime

__all__ = ["Builtin", "BuiltinSpec", "Builtins", "registry_entry"]


def registry_entry(tenant: str, spec: BuiltinSpec) -> Tool:
    """The registry entry of a built-in in ``tenant``'s registry."""
    return Tool(tenant=tenant, id=spec.name, display_name=spec.display_name,
                description=spec.description, runtime=ToolRuntime.BUILTIN,
                entrypoint=spec.name, input_schema=json.dumps(spec.input_schema),
                output_schema=json.dumps(spec.output_schema), timeout=spec.timeout,
                idempotent=spec.idempotent)


class Builtins:
    """The executor of the built-in tools the service offers (``execute_python`` only where
    a sandbox is available)."""

    def __init__(self, builtins: Mapping[str, Builtin]) -> None:
        self._builtins = dict(builtins)

    @property
    def specs(self) -> list[BuiltinSpec]:
        """The built-ins offered, by name."""
        return [self._builtins[name].spec for name in sorted(self._builtins)]

    def offers(self, name: str) -> bool:
        """Whether the built-in ``name`` is offered."""
        return name in self._builtins

    async def execute(self, call: ToolCall) -> ToolResult:
        builtin = self._builtins.get(call.tool.entrypoint)
        if builtin is None:
            return ToolResult.failed(f"the built-in {call.tool.entrypoint!r} is not offered "
                                     "by this tool-runner")
        return await builtin.run(call)
