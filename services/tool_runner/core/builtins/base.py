"""``Builtin``: one of the mesh's own tools, and the JSON output every built-in answers with."""

from __future__ import annotations

import dataclasses
import datetime as dt
import json
from typing import Any, Protocol

from services.tool_runner.core.execution import ToolCall, ToolResult
from services.tool_runner.core.models import ToolRunState


@dataclasses.dataclass(frozen=True)
class BuiltinSpec:
    """What the registry shows of a built-in: its name, purpose, schemas and limits."""

    name: str
    display_name: str
    description: str
    input_schema: dict[str, Any]
    output_schema: dict[str, Any]
    timeout: dt.timedelta
    idempotent: bool


class Builtin(Protocol):
    """A built-in tool: its spec and how it runs."""

    spec: BuiltinSpec

    async def run(self, call: ToolCall) -> ToolResult:
        """Run ``call`` (its input already satisfies ``spec.input_schema``)."""
        ...


def json_output(value: Any) -> ToolResult:
    """A succeeded run whose output is ``value`` as JSON."""
    return ToolResult(ToolRunState.SUCCEEDED,
                      output=json.dumps(value, ensure_ascii=False, separators=(",", ":")))
