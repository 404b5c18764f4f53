"""List filters of the contracts, a small subset of AIP-160: ``field = "text"`` or
``field = ENUM_VALUE`` terms joined by ``AND``, each field at most once; inside quotes a
backslash escapes the next character (``\\"``, ``\\\\``). Every problem is an INVALID_ARGUMENT
naming ``filter``."""

from __future__ import annotations

import enum
import re
from collections.abc import Collection
from typing import Any, TypeVar

from shared.errors import InvalidArgument
from shared.protos import enum_from_proto

D = TypeVar("D", bound=enum.Enum)

_AND = re.compile(r"AND(?=\s)")
_ESCAPE = re.compile(r"\\(.)")
_VALUE = r'\s*=\s*(?:"(?P<text>(?:[^"\\]|\\.)*)"|(?P<enum>[A-Z][A-Z0-9_]*))\s*'


def parse_filter(text: str, fields: str, enum_fields: Collection[str], usage: str
                 ) -> dict[str, str]:
    """The terms of ``text`` as ``{field: value}``.

    Args:
        text: The filter; empty means no terms.
        fields: A regular expression of the field names allowed (``state|labels\\.[a-z]+``).
        enum_fields: Fields whose value is an enum value; the others take quoted text.
        usage: How to write a filter, appended to every complaint.

    Raises:
        InvalidArgument: A term of another form, a repeated field, or a missing AND.
    """
    term_pattern = re.compile(rf"\s*(?P<field>{fields}){_VALUE}")
    terms: dict[str, str] = {}
    position, text = 0, text.strip()
    while position < len(text):
        if terms:
            joiner = _AND.match(text, position)
            if joiner is None:
                raise InvalidArgument.for_field("filter", f"expected AND at {position}; {usage}")
            position = joiner.end()
        term = term_pattern.match(text, position)
        if term is None or (term["field"] in enum_fields) != (term["enum"] is not None):
            raise InvalidArgument.for_field("filter",
                                            f"unsupported term at {position}; {usage}")
        if term["field"] in terms:
            raise InvalidArgument.for_field("filter", f"{term['field']} is given twice")
        terms[term["field"]] = term["enum"] or _ESCAPE.sub(r"\1", term["text"])
        position = term.end()
    return terms


def filter_enum(proto_enum: Any, name: str | None, domain_enum: type[D]) -> D | None:
    """``ALERT_STATE_FIRING`` -> ``AlertState.FIRING``; None stays None.

    Raises:
        InvalidArgument: An unknown value, or UNSPECIFIED (which matches nothing).
    """
    if name is None:
        return None
    try:
        number = proto_enum.Value(name)
    except ValueError as error:
        raise InvalidArgument.for_field("filter", f"unknown value {name!r}") from error
    if number == 0:
        raise InvalidArgument.for_field("filter", f"{name} matches nothing; leave it out")
    # Never UNSPECIFIED here, so the default is not used.
    return enum_from_proto(proto_enum, number, domain_enum, next(iter(domain_enum)))


def filter_resource_id(tenant: str, collection: str, name: str, field: str) -> str:
    """The id of a resource a filter names, which must be one of ``tenant``'s
    ``collection``: ``tenants/acme/policies/p1`` -> ``p1``.

    Raises:
        InvalidArgument: The name is of another form or tenant.
    """
    prefix = f"tenants/{tenant}/{collection}/"
    resource_id = name.removeprefix(prefix)
    if resource_id == name or not resource_id or "/" in resource_id:
        raise InvalidArgument.for_field("filter", f"{field} must look like {prefix}{{id}}")
    return resource_id
