"""A small JSON Schema subset: checking a schema, and checking a value against it (the AI
runtime's response schemas, the quality gate's JSON_SCHEMA rules; the project takes no JSON
Schema dependency). Understood keywords: ``type`` (a name or a list of names), ``properties``,
``required``, ``additionalProperties`` (false or a schema), ``items``, ``minItems``,
``maxItems``, ``enum``, ``const``, ``minLength``, ``maxLength``, ``pattern`` (RE2 syntax, see
:mod:`shared.values.patterns`), ``minimum``, ``maximum``. Others are ignored, so a schema using
them is checked less strictly, never wrongly refused. Paths in messages are JSONPath-like:
``$.items[2].name``.
"""

from __future__ import annotations

from typing import Any

from shared.values.patterns import PatternError, compile_pattern

_TYPES: dict[str, tuple[type, ...]] = {
    "object": (dict,), "array": (list,), "string": (str,), "boolean": (bool,),
    "integer": (int,), "number": (int, float), "null": (type(None),),
}
_COUNTS = ("minItems", "maxItems", "minLength", "maxLength")
_BOUNDS = ("minimum", "maximum")
MAX_DEPTH = 32  # of nested schemas, so that checking a value never recurses deeply


def _is_count(value: Any) -> bool:
    return isinstance(value, int) and not isinstance(value, bool) and value >= 0


def _is_number(value: Any) -> bool:
    return isinstance(value, int | float) and not isinstance(value, bool)


def schema_problems(schema: Any, path: str = "$", depth: int = 0) -> list[str]:
    """Every way ``schema`` misuses an understood keyword or nests schemas more than
    MAX_DEPTH levels deep, as ``path: problem`` strings (empty = fine)."""
    if not isinstance(schema, dict):
        return [f"{path}: a schema must be a JSON object"]
    if depth >= MAX_DEPTH:
        return [f"{path}: schemas nested more than {MAX_DEPTH} levels deep"]
    problems: list[str] = []
    kinds = schema.get("type")
    if kinds is not None:
        names = kinds if isinstance(kinds, list) else [kinds]
        unknown = [n for n in names if not isinstance(n, str) or n not in _TYPES]
        if not names or unknown:
            problems.append(f"{path}.type: expected one or more of {', '.join(_TYPES)}")
    properties = schema.get("properties", {})
    if not isinstance(properties, dict):
        problems.append(f"{path}.properties: must be an object of schemas")
    else:
        for key, sub in properties.items():
            problems += schema_problems(sub, f"{path}.properties.{key}", depth + 1)
    required = schema.get("required", [])
    if not isinstance(required, list) or not all(isinstance(k, str) for k in required):
        problems.append(f"{path}.required: must be a list of strings")
    extra = schema.get("additionalProperties", True)
    if not isinstance(extra, bool):
        problems += schema_problems(extra, f"{path}.additionalProperties", depth + 1)
    if "items" in schema:
        problems += schema_problems(schema["items"], f"{path}.items", depth + 1)
    if "enum" in schema and not isinstance(schema["enum"], list):
        problems.append(f"{path}.enum: must be a list")
    problems += [f"{path}.{key}: must be a non-negative integer" for key in _COUNTS
                 if key in schema and not _is_count(schema[key])]
    problems += [f"{path}.{key}: must be a number" for key in _BOUNDS
                 if key in schema and not _is_number(schema[key])]
    if "pattern" in schema:
        problems += _pattern_problems(schema["pattern"], f"{path}.pattern")
    return problems


def _pattern_problems(pattern: Any, path: str) -> list[str]:
    if not isinstance(pattern, str):
        return [f"{path}: must be a string"]
    try:
        compile_pattern(pattern)
    except PatternError as error:
        return [f"{path}: {error}"]
    return []


def _type_ok(value: Any, name: str) -> bool:
    if name in ("integer", "number") and isinstance(value, bool):
        return False
    if name == "integer" and isinstance(value, float):
        return value.is_integer()
    return isinstance(value, _TYPES.get(name, (object,)))


def schema_errors(value: Any, schema: dict[str, Any], path: str = "$") -> list[str]:
    """Every way ``value`` breaks ``schema`` (empty = valid). A keyword :func:`schema_problems`
    would refuse is ignored rather than trusted."""
    kinds = schema.get("type")
    if kinds is not None:
        names = kinds if isinstance(kinds, list) else [kinds]
        if not any(_type_ok(value, str(n)) for n in names):
            return [f"{path}: expected {' or '.join(map(str, names))}"]
    errors: list[str] = []
    if "enum" in schema and value not in schema["enum"]:
        errors.append(f"{path}: not one of {schema['enum']}")
    if "const" in schema and value != schema["const"]:
        errors.append(f"{path}: must be {schema['const']!r}")
    if isinstance(value, dict):
        errors += _object_errors(value, schema, path)
    elif isinstance(value, list):
        errors += _array_errors(value, schema, path)
    elif isinstance(value, str):
        errors += _string_errors(value, schema, path)
    elif _is_number(value):
        if _is_number(schema.get("minimum")) and value < schema["minimum"]:
            errors.append(f"{path}: less than {schema['minimum']}")
        if _is_number(schema.get("maximum")) and value > schema["maximum"]:
            errors.append(f"{path}: more than {schema['maximum']}")
    return errors


def _object_errors(value: dict[str, Any], schema: dict[str, Any], path: str) -> list[str]:
    properties = schema.get("properties", {})
    properties = properties if isinstance(properties, dict) else {}
    extra = schema.get("additionalProperties", True)
    required = schema.get("required", [])
    errors = [f"{path}: missing {key!r}" for key in required
              if isinstance(required, list) and key not in value]
    for key, item in value.items():
        if key in properties and isinstance(properties[key], dict):
            errors += schema_errors(item, properties[key], f"{path}.{key}")
        elif extra is False:
            errors.append(f"{path}: unexpected {key!r}")
        elif isinstance(extra, dict):
            errors += schema_errors(item, extra, f"{path}.{key}")
    return errors


def _array_errors(value: list[Any], schema: dict[str, Any], path: str) -> list[str]:
    errors = []
    if _is_count(schema.get("minItems")) and len(value) < schema["minItems"]:
        errors.append(f"{path}: fewer than {schema['minItems']} items")
    if _is_count(schema.get("maxItems")) and len(value) > schema["maxItems"]:
        errors.append(f"{path}: more than {schema['maxItems']} items")
    items = schema.get("items")
    if isinstance(items, dict):
        for i, item in enumerate(value):
            errors += schema_errors(item, items, f"{path}[{i}]")
    return errors


def _string_errors(value: str, schema: dict[str, Any], path: str) -> list[str]:
    errors = []
    if _is_count(schema.get("minLength")) and len(value) < schema["minLength"]:
        errors.append(f"{path}: shorter than {schema['minLength']} characters")
    if _is_count(schema.get("maxLength")) and len(value) > schema["maxLength"]:
        errors.append(f"{path}: longer than {schema['maxLength']} characters")
    if ("pattern" in schema and not _pattern_problems(schema["pattern"], path)
            and compile_pattern(schema["pattern"]).search(value) is None):
        errors.append(f"{path}: does not match {schema['pattern']!r}")
    return errors
