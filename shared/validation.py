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
    path = violation.proto.field
    for element in path.elements if path is not None else ():
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


def _outside_update_mask(message: Message, violations: list[FieldViolation]
                         ) -> list[FieldViolation]:
    """Drop violations of resource fields an Update request does not change.

    An Update carries the whole resource but only the fields in ``update_mask`` are applied,
    so rules on the others (a required field left empty, say) must not reject it.
    """
    fields = message.DESCRIPTOR.fields_by_name
    if "update_mask" not in fields or not message.HasField("update_mask"):
        return violations
    paths = set(message.update_mask.paths)  # type: ignore[attr-defined]
    if not paths or "*" in paths:
        return violations
    resources = {f.name for f in message.DESCRIPTOR.fields
                 if f.message_type is not None and f.name != "update_mask"}
    kept = []
    for violation in violations:
        head, _, rest = violation.field.partition(".")
        field = rest.split(".")[0].split("[")[0]
        if head in resources and rest and field != "name" and field not in paths:
            continue
        kept.append(violation)
    return kept


def validate(message: Message) -> None:
    """Raise InvalidArgument naming every bad field of ``message``.

    Raises:
        InvalidArgument: ``message`` breaks one or more of its declared rules.
    """
    violations = _outside_update_mask(message, violations_of(message))
    if violations:
        summary = "; ".join(f"{v.field}: {v.description}" for v in violations)
        raise InvalidArgument(f"invalid request: {summary}", violations)
