"""A run's input: JSON that satisfies the tool's input schema."""

from __future__ import annotations

import json
from typing import Any

from services.tool_runner.core.models import Tool
from shared.errors import FieldViolation, InvalidArgument
from shared.values.documents import DocumentError, parse_json
from shared.values.json_schema import schema_errors

MAX_VIOLATIONS = 10


def parse_input(tool: Tool, text: str) -> Any:
    """The parsed input of a run of ``tool`` (empty text is ``{}``).

    Raises:
        InvalidArgument: On ``input``: not JSON, or each way it breaks the tool's schema, the
            JSON path of the offending value in each description (``$.n: expected integer``).
    """
    try:
        value = parse_json(text) if text.strip() else {}
    except DocumentError as error:
        raise InvalidArgument.for_field("input", f"not valid JSON: {error}") from error
    except json.JSONDecodeError as error:
        raise InvalidArgument.for_field(
            "input", f"not valid JSON: {error.msg} at line {error.lineno}, column {error.colno}",
        ) from error
    if tool.input_schema:
        errors = schema_errors(value, json.loads(tool.input_schema))
        if errors:
            raise InvalidArgument(
                f"invalid input for {tool.id!r}: {'; '.join(errors[:MAX_VIOLATIONS])}",
                [FieldViolation("input", error) for error in errors[:MAX_VIOLATIONS]])
    return value
