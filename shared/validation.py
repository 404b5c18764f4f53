"""Request validation from the rules declared in the contracts (protovalidate).

Rules live in the .proto files as ``(buf.validate.field)`` options; this module turns their
violations into :class:`shared.errors.InvalidArgument` with one field violation per bad field.
"""

from __future__ import annotations

import protovalidate
from google.protobuf.message import Message

from shared.errors import FieldViolation, InvalidArgument

_validator = protovalidate.Validator()


def field_path(violation: protovalidate.Violation) -> str:
    """Dotted path of the violating field, with ``[i]``/``["key"]`` for list items and map keys."""
    parts: list[str] = []
    for element in violation.proto.field.elements:
        name = element.field_name
        subscript = element.subscript
        if subscript is not None and subscript.field == "string_key":
            name += f'["{subscript.value}"]'
        elif subscript is not None:
            name += f"[{subscript.value}]"
        parts.append(name)
    return ".".join(parts)


def violations_of(message: Message) -> list[FieldViolation]:
    """Every rule ``message`` breaks, as field violations (empty when valid)."""
    return [
        FieldViolation(field=field_path(v), description=v.proto.message, reason=v.proto.rule_id)
        for v in _validator.collect_violations(message)
    ]


def validate(message: Message) -> None:
    """Raise InvalidArgument naming every bad field of ``message``.

    Raises:
        InvalidArgument: ``message`` breaks one or more of its declared rules.
    """
    violations = violations_of(message)
    if violations:
        summary = "; ".join(f"{v.field}: {v.description}" for v in violations)
        raise InvalidArgument(f"invalid request: {summary}", violations)
