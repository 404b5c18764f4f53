"""Response schemas: reading one from a request, checking a model's output against one and
telling the model what was wrong, and making a value that fits one (the checking itself is
:mod:`shared.values.json_schema`)."""

from __future__ import annotations

import json
from collections.abc import Sequence
from typing import Any

from shared.errors import FailedPrecondition, InvalidArgument
from shared.values.documents import parse_json, parse_model_json
from shared.values.json_schema import schema_errors, schema_problems

__all__ = ["check_output", "conform", "correction", "mismatch", "output_errors",
           "parse_schema", "schema_errors"]

NOT_JSON = "the output is not JSON"
# Errors named in a refusal or a correction; the rest are left out.
ERRORS_SHOWN = 5

def parse_schema(text: str, field: str = "response_schema") -> dict[str, Any] | None:
    """The schema in ``text``; None when empty.

    Raises:
        InvalidArgument: ``text`` is not a JSON object, or misuses a keyword the checker
            understands (a ``pattern`` RE2 cannot compile, a wrong type name, …).
    """
    if not text.strip():
        return None
    try:
        schema = parse_json(text)
    except ValueError as error:
        raise InvalidArgument.for_field(field, f"not valid JSON: {error}") from error
    if not isinstance(schema, dict):
        raise InvalidArgument.for_field(field, "must be a JSON object")
    problems = schema_problems(schema)
    if problems:
        raise InvalidArgument.for_field(field, "; ".join(problems[:5]))
    return schema


def conform(value: Any, schema: dict[str, Any], text: str = "") -> Any:
    """A value that fits ``schema``, keeping the parts of ``value`` that already fit.

    Missing or wrong parts are made up deterministically: strings from ``text``, the first
    enum value, zero, true, the fewest array items allowed.
    """
    if not schema_errors(value, schema):
        return value
    if "const" in schema:
        return schema["const"]
    if schema.get("enum"):
        return schema["enum"][0]
    kinds = schema.get("type")
    kind = (kinds[0] if isinstance(kinds, list) and kinds else kinds) or (
        "object" if "properties" in schema else "string")
    if kind == "object":
        source = value if isinstance(value, dict) else {}
        properties: dict[str, Any] = schema.get("properties", {})
        result = {k: v for k, v in source.items()
                  if k in properties or schema.get("additionalProperties") is not False}
        for key, sub in properties.items():
            if key in result or key in schema.get("required", []):
                result[key] = conform(result.get(key), sub, text)
        return result
    if kind == "array":
        items = schema.get("items") if isinstance(schema.get("items"), dict) else {}
        source_items = value if isinstance(value, list) else []
        fixed = [conform(v, items or {}, text) for v in source_items]
        while len(fixed) < int(schema.get("minItems", 0)):
            fixed.append(conform(None, items or {}, text))
        return fixed
    defaults: dict[str, Any] = {"string": text if isinstance(text, str) else "",
                                "integer": 0, "number": 0, "boolean": True, "null": None}
    return defaults.get(str(kind), text)


def output_errors(output: str, schema: dict[str, Any]) -> list[str]:
    """What is wrong with ``output`` against ``schema`` ([:data:`NOT_JSON`] when it does not
    parse); empty when it fits."""
    try:
        value = parse_model_json(output)
    except ValueError:
        return [NOT_JSON]
    return schema_errors(value, schema)


def mismatch(errors: Sequence[str]) -> FailedPrecondition:
    """The refusal of an output with ``errors`` (from :func:`output_errors`)."""
    if list(errors) == [NOT_JSON]:
        return FailedPrecondition("the model's output is not JSON",
                                  reason="OUTPUT_SCHEMA_MISMATCH")
    return FailedPrecondition(
        f"the model's output does not match response_schema: "
        f"{'; '.join(errors[:ERRORS_SHOWN])}", reason="OUTPUT_SCHEMA_MISMATCH")


def check_output(output: str, schema: dict[str, Any]) -> None:
    """Refuse output that is not JSON valid against ``schema``.

    Raises:
        FailedPrecondition: It is not JSON, or not valid against the schema.
    """
    errors = output_errors(output, schema)
    if errors:
        raise mismatch(errors)


def correction(errors: Sequence[str], schema: dict[str, Any]) -> str:
    """What a model is told after an answer with ``errors``: what was wrong, and to answer
    again with JSON matching ``schema``."""
    wrong = "\n".join(f"- {error}" for error in errors[:ERRORS_SHOWN])
    return (f"Your answer does not match the required JSON schema:\n{wrong}\n"
            "Answer again with only a JSON value that matches this schema, and nothing else:\n"
            f"{json.dumps(schema, ensure_ascii=False)}")
