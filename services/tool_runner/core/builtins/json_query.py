"""``json_query``: a JMESPath query over a JSON document (``people[?age > `30`].name``)."""

from __future__ import annotations

import datetime as dt

import jmespath
import jmespath.exceptions

from services.tool_runner.core.builtins.base import BuiltinSpec, json_output
from services.tool_runner.core.execution import ToolCall, ToolResult


class JsonQuery:
    """The ``json_query`` built-in."""

    spec = BuiltinSpec(
        name="json_query", display_name="JSON query",
        description=("Selects and reshapes data in a JSON document with a JMESPath query, "
                     "e.g. `items[?price > `10`].name | sort(@)`."),
        input_schema={"type": "object", "required": ["document", "query"],
                      "properties": {"document": {},
                                     "query": {"type": "string", "minLength": 1,
                                               "maxLength": 4096}}},
        output_schema={"type": "object", "properties": {"result": {}}},
        timeout=dt.timedelta(seconds=5), idempotent=True)

    async def run(self, call: ToolCall) -> ToolResult:
        try:
            result = jmespath.search(call.input["query"], call.input["document"])
        except jmespath.exceptions.JMESPathError as error:
            return ToolResult.failed(f"bad query: {' '.join(str(error).split())}")
        return json_output({"result": result})
