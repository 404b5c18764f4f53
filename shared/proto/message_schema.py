"""The JSON Schema of a protobuf message, with the rules its contract declares (protovalidate's
lengths, patterns, item counts and bounds), for a model whose output must parse as that
message: a server that constrains generation by a schema then yields only messages that parse.

Every field is required and no other property is allowed, so a constrained model writes the
whole message; an enum is the lowercase name of each value but the unspecified one
(``CRITIC_VERDICT_PASS`` -> ``pass``), as prompts spell them. A maximum length above
:data:`MAX_LENGTH_IN_SCHEMA` is left out: a grammar spells out every optional character, and
llama.cpp's grammar engine overflows on thousands of them; the message's own validation still
holds the answer to it after parsing. A list has at most :data:`MAX_ITEMS_IN_SCHEMA` items.
Properties keep the message's field order, the order a model writes them in.
"""

from __future__ import annotations

from typing import Any

from buf.validate import validate_pb2
from google.protobuf.descriptor import Descriptor, EnumDescriptor, FieldDescriptor

MAX_LENGTH_IN_SCHEMA = 64
# Items a list may have in a model's answer: a small model repeats an item until its tokens
# run out unless the grammar closes the list.
MAX_ITEMS_IN_SCHEMA = 8

_SCALARS = {
    FieldDescriptor.TYPE_DOUBLE: "number", FieldDescriptor.TYPE_FLOAT: "number",
    FieldDescriptor.TYPE_INT64: "integer", FieldDescriptor.TYPE_UINT64: "integer",
    FieldDescriptor.TYPE_INT32: "integer", FieldDescriptor.TYPE_UINT32: "integer",
    FieldDescriptor.TYPE_SINT32: "integer", FieldDescriptor.TYPE_SINT64: "integer",
    FieldDescriptor.TYPE_BOOL: "boolean", FieldDescriptor.TYPE_STRING: "string",
}


def message_schema(descriptor: Descriptor | Any) -> dict[str, Any]:
    """The JSON Schema of messages of ``descriptor`` (a pure-Python or upb ``Descriptor``)
    in their JSON form, fields by their proto names."""
    return {
        "type": "object",
        "properties": {field.name: _field_schema(field) for field in descriptor.fields},
        "required": [field.name for field in descriptor.fields],
        "additionalProperties": False,
    }


def enum_words(descriptor: EnumDescriptor) -> list[str]:
    """The lowercase names of an enum's values but the unspecified one."""
    prefix = descriptor.values[0].name.removesuffix("UNSPECIFIED")
    return [value.name.removeprefix(prefix).lower() for value in descriptor.values
            if value.number != 0]


def _field_schema(field: FieldDescriptor) -> dict[str, Any]:
    extension = validate_pb2.field
    rules: validate_pb2.FieldRules = field.GetOptions().Extensions[extension]  # type: ignore[index]
    one = _value_schema(field, rules)
    if not field.is_repeated:
        return one
    many: dict[str, Any] = {"type": "array", "items": one, "maxItems": MAX_ITEMS_IN_SCHEMA}
    if rules.HasField("repeated"):
        if rules.repeated.HasField("min_items"):
            many["minItems"] = rules.repeated.min_items
        if rules.repeated.HasField("max_items"):
            many["maxItems"] = min(rules.repeated.max_items, MAX_ITEMS_IN_SCHEMA)
    return many


def _value_schema(field: FieldDescriptor, rules: validate_pb2.FieldRules) -> dict[str, Any]:
    if field.type == FieldDescriptor.TYPE_MESSAGE and field.message_type is not None:
        return message_schema(field.message_type)
    if field.type == FieldDescriptor.TYPE_ENUM and field.enum_type is not None:
        return {"type": "string", "enum": enum_words(field.enum_type)}
    schema: dict[str, Any] = {"type": _SCALARS.get(field.type, "string")}
    if rules.HasField("string"):
        text = rules.string
        for rule, keyword in (("min_len", "minLength"), ("max_len", "maxLength"),
                              ("pattern", "pattern")):
            if text.HasField(rule):
                schema[keyword] = getattr(text, rule)
        if schema.get("maxLength", 0) > MAX_LENGTH_IN_SCHEMA:
            del schema["maxLength"]
    for kind in ("int32", "int64", "uint32", "uint64"):
        if rules.HasField(kind):
            bounds = getattr(rules, kind)
            if bounds.HasField("gte"):
                schema["minimum"] = bounds.gte
            if bounds.HasField("lte"):
                schema["maximum"] = bounds.lte
    low, high = schema.get("minimum"), schema.get("maximum")
    if low is not None and high is not None and high - low < MAX_LENGTH_IN_SCHEMA:
        # Listed: llama.cpp's grammars hold an integer's values but not its bounds.
        schema["enum"] = list(range(low, high + 1))
    return schema
