"""A small JSON Schema subset: checking values and making a value that fits a schema.

Understood keywords: ``type`` (a name or a list of names), ``properties``, ``required``,
``items``, ``enum``, ``const``, ``minItems``, ``additionalProperties: false``. Others are
ignored, so a schema using them is checked less strictly, never wrongly refused.
"""

from __future__ import annotations

import json
from typing import Any

from shared.errors import InvalidArgument

_TYPES: dict[str, tuple[type, ...]] = {
    "object": (dict,), "array": (list,), "string": (str,), "boolean": (bool,),
    "integer": (int,), "number": (int, float), "null": (type(None),),
}


def parse_schema(text: str, field: str = "response_schema") -> dict[str, Any] | None:
    """The schema in ``text``; None when empty.

    Raises:
        InvalidArgument: ``text`` is not a JSON object.
    """
    if not text.strip():
        return None
    try:
        schema = json.loads(text)
    except ValueError as error:
        raise InvalidArgument.for_field(field, f"not valid JSON: {error}") from error
    if not isinstance(schema, dict):
        raise InvalidArgument.for_field(field, "must be a JSON object")
    return schema


def _type_ok(value: Any, name: str) -> bool:
    if name in ("integer", "number") and isinstance(value, bool):
        return False
    return isinstance(value, _TYPES.get(name, (object,)))


def schema_errors(value: Any, schema: dict[str, Any], path: str = "$") -> list[str]:
    """Every way ``value`` breaks ``schema``, as ``path: problem`` strings (empty = valid)."""
    errors: list[str] = []
    kinds = schema.get("type")
    if kinds is not None:
        names = kinds if isinstance(kinds, list) else [kinds]
        if not any(_type_ok(value, str(n)) for n in names):
            return [f"{path}: expected {' or '.join(map(str, names))}"]
    if "enum" in schema and value not in schema["enum"]:
        errors.append(f"{path}: not one of {schema['enum']}")
    if "const" in schema and value != schema["const"]:
        errors.append(f"{path}: must be {schema['const']!r}")
    if isinstance(value, dict):
        properties: dict[str, Any] = schema.get("properties", {})
        errors += [f"{path}: missing {key!r}" for key in schema.get("required", [])
                   if key not in value]
        for key, item in value.items():
            if key in properties:
                errors += schema_errors(item, properties[key], f"{path}.{key}")
            elif schema.get("additionalProperties") is False:
                errors.append(f"{path}: unexpected {key!r}")
    if isinstance(value, list):
        if len(value) < int(schema.get("minItems", 0)):
            errors.append(f"{path}: fewer than {schema['minItems']} items")
        items = schema.get("items")
        if isinstance(items, dict):
            for i, item in enumerate(value):
                errors += schema_errors(item, items, f"{path}[{i}]")
    return errors


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
