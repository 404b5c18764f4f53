"""Request validation: the rules declared in the contracts (protovalidate), and the rules
every request obeys whatever its contract says.

Rules live in the .proto files as ``(buf.validate.field)`` options. Beside them, every field of
every request, nested messages, lists and maps included, must be something each store can
hold and each handler can read: no string contains U+0000 (PostgreSQL cannot store it, SQLite
can: the profiles would disagree), no enum field holds a number its enum does not define, and
every Timestamp and Duration is within the range its type documents. Violations become
:class:`shared.errors.InvalidArgument` with one field violation per bad field.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from typing import Any

import protovalidate
from google.protobuf.descriptor import FieldDescriptor
from google.protobuf.message import Message

from shared.errors import FieldViolation, InvalidArgument

_validator = protovalidate.Validator()

# Range of google.protobuf.Timestamp (0001-01-01T00:00:00Z to 9999-12-31T23:59:59Z) and
# Duration (about +-10,000 years), as their .proto files document.
_MIN_SECONDS, _MAX_SECONDS = -62_135_596_800, 253_402_300_799
_MAX_DURATION_SECONDS = 315_576_000_000
_NANOS = 1_000_000_000


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
    stored = list(unstorable(message, ""))
    named = {v.field for v in stored}
    return stored + [
        FieldViolation(field=field_path(v), description=v.proto.message, reason=v.proto.rule_id)
        for v in _validator.collect_violations(message) if field_path(v) not in named
    ]


_CHECKED_TYPES = (FieldDescriptor.TYPE_STRING, FieldDescriptor.TYPE_ENUM,
                  FieldDescriptor.TYPE_MESSAGE)


def unstorable(message: Message, path: str = "") -> Iterator[FieldViolation]:
    """Violations of the rules every request obeys, in ``message`` (found at ``path``)."""
    full_name = message.DESCRIPTOR.full_name
    if full_name == "google.protobuf.Timestamp":
        yield from _timestamp_violation(message, path)
        return
    if full_name == "google.protobuf.Duration":
        yield from _duration_violation(message, path)
        return
    for field, value in message.ListFields():
        at = f"{path}.{field.name}" if path else field.name
        entry = field.message_type
        if entry is not None and entry.GetOptions().map_entry:
            for key, item in value.items():
                item_path = f'{at}["{key}"]' if isinstance(key, str) else f"{at}[{key}]"
                yield from _text_violation(key, item_path)
                yield from _value_violations(entry.fields_by_name["value"], item, item_path)
        elif field.is_repeated:
            if field.type not in _CHECKED_TYPES:
                continue  # numbers and bytes break no rule of every request; skip the items
            for index, item in enumerate(value):
                yield from _value_violations(field, item, f"{at}[{index}]")
        else:
            yield from _value_violations(field, value, at)


def _value_violations(field: FieldDescriptor, value: Any, path: str) -> Iterator[FieldViolation]:
    if field.type == FieldDescriptor.TYPE_STRING:
        yield from _text_violation(value, path)
    elif field.type == FieldDescriptor.TYPE_ENUM:
        enum = field.enum_type
        if enum is not None and value not in enum.values_by_number:
            yield FieldViolation(path, f"{value} is not a value of {enum.full_name}",
                                 "enum.defined_only")
    elif field.type == FieldDescriptor.TYPE_MESSAGE:
        yield from unstorable(value, path)


def _text_violation(value: object, path: str) -> Iterator[FieldViolation]:
    if isinstance(value, str) and "\x00" in value:
        yield FieldViolation(path, "must not contain the NUL character (U+0000)", "string.no_nul")


def _timestamp_violation(stamp: Any, path: str) -> Iterator[FieldViolation]:
    if not (_MIN_SECONDS <= stamp.seconds <= _MAX_SECONDS and 0 <= stamp.nanos < _NANOS):
        yield FieldViolation(path, "must be a time from 0001-01-01 to 9999-12-31 UTC with "
                                   "nanos from 0 to 999999999", "timestamp.range")


def _duration_violation(duration: Any, path: str) -> Iterator[FieldViolation]:
    seconds, nanos = duration.seconds, duration.nanos
    if (abs(seconds) > _MAX_DURATION_SECONDS or abs(nanos) >= _NANOS
            or (seconds > 0 > nanos) or (seconds < 0 < nanos)):
        yield FieldViolation(path, "must be within 10,000 years, with seconds and nanos of "
                                   "the same sign", "duration.range")


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


def validate(message: Message, found: Sequence[FieldViolation] = ()) -> None:
    """Raise InvalidArgument naming every bad field of ``message``, and those of ``found``
    (what the caller found wrong with it besides).

    Raises:
        InvalidArgument: ``message`` breaks one or more of its declared rules.
    """
    violations = [*found, *_outside_update_mask(message, violations_of(message))]
    if violations:
        summary = "; ".join(f"{v.field}: {v.description}" for v in violations)
        raise InvalidArgument(f"invalid request: {summary}", violations)
