"""What makes a tool's definition acceptable beyond the contract's field rules."""

from __future__ import annotations

import json
import urllib.parse

from services.tool_runner.core.models import Tool, ToolRuntime
from shared.errors import InvalidArgument
from shared.values.documents import DocumentError, parse_json
from shared.values.json_schema import schema_problems


def check_input_schema(text: str, field: str = "tool.input_schema") -> None:
    """A schema, when set, must be a JSON object that :mod:`shared.values.json_schema`
    accepts (its patterns in RE2 syntax), since runs' input is checked against it.

    Raises:
        InvalidArgument: On ``field``, with the parser's line and column or the schema's
            problems.
    """
    if not text:
        return
    try:
        schema = parse_json(text)
    except DocumentError as error:
        raise InvalidArgument.for_field(field, f"not valid JSON: {error}") from error
    except json.JSONDecodeError as error:
        raise InvalidArgument.for_field(
            field,
            f"not valid JSON: {error.msg} at line {error.lineno}, column {error.colno}",
        ) from error
    if not isinstance(schema, dict):
        raise InvalidArgument.for_field(field, "must be a JSON object")
    problems = schema_problems(schema)
    if problems:
        raise InvalidArgument.for_field(field, "; ".join(problems[:5]))


def check_entrypoint(runtime: ToolRuntime, entrypoint: str) -> None:
    """An HTTP tool's entrypoint must be an absolute http(s) URL.

    Raises:
        InvalidArgument: On ``tool.entrypoint``.
    """
    if runtime is not ToolRuntime.HTTP:
        return
    url = urllib.parse.urlsplit(entrypoint)
    if url.scheme not in ("http", "https") or not url.hostname:
        raise InvalidArgument.for_field("tool.entrypoint",
                                        "an HTTP tool's entrypoint must be an http(s) URL")


def check_tool(tool: Tool) -> None:
    """Every rule above, for a tool about to be stored.

    Raises:
        InvalidArgument: The first rule the tool breaks.
    """
    check_input_schema(tool.input_schema)
    check_input_schema(tool.output_schema, "tool.output_schema")
    check_entrypoint(tool.runtime, tool.entrypoint)
    if tool.http_method and tool.runtime is not ToolRuntime.HTTP:
        raise InvalidArgument.for_field("tool.http_method", "only an HTTP tool has a method")
    if tool.timeout is not None and tool.timeout.total_seconds() <= 0:
        raise InvalidArgument.for_field("tool.timeout", "must be positive when set")
