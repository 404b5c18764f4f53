"""``memory_search``: the memories the caller may read that match a query, through the memory
service (an agent's search is limited to what its agent type is granted)."""

from __future__ import annotations

import dataclasses
import datetime as dt
from typing import Any, Protocol

from services.tool_runner.core.builtins.base import BuiltinSpec, json_output
from services.tool_runner.core.execution import ToolCall, ToolResult


@dataclasses.dataclass(frozen=True)
class FoundMemory:
    """One search result."""

    name: str
    content: str
    score: float


class MemorySearch(Protocol):
    """The memory service's search."""

    async def search(self, tenant: str, query: str, *, namespaces: list[str], top_k: int,
                     agent_type: str) -> list[FoundMemory]: ...


class MemorySearchTool:
    """The ``memory_search`` built-in."""

    spec = BuiltinSpec(
        name="memory_search", display_name="Memory search",
        description=("Finds what the organisation already knows: the stored memories most "
                     "relevant to a query, best first, optionally within named namespaces."),
        input_schema={"type": "object", "required": ["query"],
                      "properties": {"query": {"type": "string", "minLength": 1,
                                               "maxLength": 4000},
                                     "namespaces": {"type": "array", "maxItems": 20,
                                                    "items": {"type": "string"}},
                                     "top_k": {"type": "integer", "minimum": 1,
                                               "maximum": 50}}},
        output_schema={"type": "object", "properties": {"memories": {"type": "array"}}},
        timeout=dt.timedelta(seconds=30), idempotent=True)

    def __init__(self, memory: MemorySearch) -> None:
        self._memory = memory

    async def run(self, call: ToolCall) -> ToolResult:
        arguments: dict[str, Any] = call.input
        found = await self._memory.search(
            call.tenant, arguments["query"], namespaces=list(arguments.get("namespaces", [])),
            top_k=int(arguments.get("top_k", 5)), agent_type=call.agent_type)
        return json_output({"memories": [dataclasses.asdict(memory) for memory in found]})
