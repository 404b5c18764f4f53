"""List filters: the one implementation of the grammar every List's ``filter`` takes.

The grammar, a subset of AIP-160: terms joined by ``AND`` (no OR, NOT or parentheses), each
field at most once. A term is ``field = value`` or ``field != value``, or ``field:value``
("has") on a repeated field; a map field is filtered by key, ``labels.team = "sre"``. A value
is ``"quoted text"`` (a backslash escapes the next character: ``\\"``, ``\\\\``), an
``ENUM_VALUE`` or ``true``/``false``, as the field's kind requires.

Each List declares its fields once, in a :class:`FilterSpec`; ``spec.parse(text, tenant)``
gives a :class:`Filter`, which matches objects in memory (:meth:`Filter.matches`) or becomes
SQL where-clauses (:func:`shared.database.filter_sql.filter_where`). Every problem is an
INVALID_ARGUMENT naming ``filter``: a filter is never ignored.
"""

from __future__ import annotations

import dataclasses
import enum
import re
from collections.abc import Mapping
from typing import Any, Protocol

from shared.errors import InvalidArgument

_TERM = re.compile(
    r'\s*(?P<field>[A-Za-z_][A-Za-z0-9_]*)(?:\.(?P<key>[^\s=!:"]+))?\s*(?P<op>!=|=|:)\s*'
    r'(?:"(?P<text>(?:[^"\\]|\\.)*)"|(?P<word>[A-Za-z_][A-Za-z0-9_]*))\s*', re.DOTALL)
_AND = re.compile(r"AND(?=\s)\s*")
_ESCAPE = re.compile(r"\\(.)", re.DOTALL)
_EQUALITY = ("=", "!=")


def _refuse(problem: str) -> InvalidArgument:
    return InvalidArgument.for_field("filter", problem)


@dataclasses.dataclass(frozen=True)
class Literal:
    """A value as written in a term: quoted text, or a bare word (an enum value, true, false)."""

    text: str
    quoted: bool


@dataclasses.dataclass(frozen=True)
class Term:
    """One parsed term: ``field`` as declared, the map ``key`` (else empty), the operator and
    the value as the field's kind typed it."""

    field: str
    kind: FieldKind
    key: str
    operator: str
    value: Any

    @property
    def column(self) -> str:
        return self.kind.column or self.field


class FieldKind(Protocol):
    """How one filterable field is written and compared."""

    @property
    def column(self) -> str:
        """The column (and attribute) compared; empty means the field's name."""
        ...

    @property
    def operators(self) -> tuple[str, ...]:
        """The operators the field takes."""
        ...

    @property
    def keyed(self) -> bool:
        """Whether the field is written ``field.<key>`` (a map)."""
        ...

    def accepts_key(self, key: str) -> bool:
        """Whether ``field.<key>`` may be written with ``key`` (empty: no key)."""
        ...

    def describe(self, name: str) -> str:
        """The term's form for usage messages (``state = GOAL_STATE_…``)."""
        ...

    def value(self, literal: Literal, tenant: str, name: str) -> Any:
        """The typed value; raises InvalidArgument (naming ``filter``) when it does not fit."""
        ...


    def test(self, actual: Any, term: Term) -> bool:
        """Whether ``actual`` (the object's attribute) satisfies ``term``."""
        ...


def _text(literal: Literal, name: str) -> str:
    if not literal.quoted:
        raise _refuse(f'{name} takes quoted text, e.g. {name} = "{literal.text}"')
    return literal.text


class _Compared:
    """Kinds compared by equality (``=``) or its negation (``!=``), without a key."""

    keyed = False

    def accepts_key(self, key: str) -> bool:
        return not key


    def test(self, actual: Any, term: Term) -> bool:
        return bool(actual == term.value) == (term.operator == "=")


@dataclasses.dataclass(frozen=True)
class Text(_Compared):
    """A string field compared whole: ``role = "executor"``."""

    column: str = ""
    operators: tuple[str, ...] = _EQUALITY

    def describe(self, name: str) -> str:
        return f'{name} = "…"'

    def value(self, literal: Literal, tenant: str, name: str) -> str:
        return _text(literal, name)


def _enum_value(proto_enum: Any, domain_enum: type[enum.Enum], literal: Literal,
                name: str) -> enum.Enum:
    """``GOAL_STATE_RUNNING`` -> ``GoalState.RUNNING``."""
    prefix = _enum_prefix(proto_enum)
    known = [v.name for v in proto_enum.DESCRIPTOR.values if v.number != 0]
    expected = f"one of {', '.join(known)}"
    if literal.quoted:
        raise _refuse(f"{name} takes an enum value, not quoted text: {expected}")
    if literal.text not in known:
        raise _refuse(f"{literal.text} is not a value of {name}; expected {expected}")
    try:
        return domain_enum(literal.text.removeprefix(prefix))
    except ValueError as error:
        raise _refuse(f"{literal.text} is not a value of {name}; expected {expected}") from error


def _enum_prefix(proto_enum: Any) -> str:
    """``GoalState`` -> ``GOAL_STATE_``."""
    name: str = proto_enum.DESCRIPTOR.name
    return "".join(f"_{c}" if c.isupper() and i else c for i, c in enumerate(name)).upper() + "_"


@dataclasses.dataclass(frozen=True)
class EnumValue(_Compared):
    """An enum field, written with the contract's value names: ``state = GOAL_STATE_RUNNING``
    (UNSPECIFIED, which no resource has, is refused).

    Args:
        proto_enum: The generated enum (``goal_pb2.GoalState``).
        domain_enum: The domain enum the column holds; its values are the proto names
            without their prefix.
    """

    proto_enum: Any
    domain_enum: type[enum.Enum]
    column: str = ""
    operators: tuple[str, ...] = _EQUALITY

    def describe(self, name: str) -> str:
        return f"{name} = {_enum_prefix(self.proto_enum)}…"

    def value(self, literal: Literal, tenant: str, name: str) -> enum.Enum:
        return _enum_value(self.proto_enum, self.domain_enum, literal, name)


@dataclasses.dataclass(frozen=True)
class ResourceName(_Compared):
    """A reference to a resource of the parent tenant, written as its name and compared by
    id: ``policy = "tenants/acme/policies/p1"`` compares the column with ``p1``."""

    collection: str
    column: str = ""
    operators: tuple[str, ...] = _EQUALITY

    def describe(self, name: str) -> str:
        return f'{name} = "tenants/{{tenant}}/{self.collection}/{{id}}"'

    def value(self, literal: Literal, tenant: str, name: str) -> str:
        prefix = f"tenants/{tenant}/{self.collection}/"
        text = _text(literal, name)
        resource_id = text.removeprefix(prefix)
        if not tenant or resource_id == text or not resource_id or "/" in resource_id:
            raise _refuse(f"{name} must look like {prefix}{{id}}")
        return resource_id


@dataclasses.dataclass(frozen=True)
class IsSet(_Compared):
    """A bool field true when ``column`` holds a value: ``revoked = true`` for a set
    ``revoke_time``."""

    column: str
    operators: tuple[str, ...] = _EQUALITY

    def describe(self, name: str) -> str:
        return f"{name} = true|false"

    def value(self, literal: Literal, tenant: str, name: str) -> bool:
        if literal.quoted or literal.text not in ("true", "false"):
            raise _refuse(f"{name} takes true or false")
        return literal.text == "true"


    def test(self, actual: Any, term: Term) -> bool:
        return (actual is not None) == (bool(term.value) == (term.operator == "="))


@dataclasses.dataclass(frozen=True)
class MapEntry:
    """One key of a string map: ``labels.team = "sre"``; ``!=`` also matches a missing key.

    Args:
        key_pattern: The keys the map can hold; another key is refused.
    """

    column: str = ""
    key_pattern: str = r"[A-Za-z0-9_][A-Za-z0-9_.\-]{0,62}"
    operators: tuple[str, ...] = _EQUALITY
    keyed = True

    def accepts_key(self, key: str) -> bool:
        return re.fullmatch(self.key_pattern, key) is not None

    def describe(self, name: str) -> str:
        return f'{name}.<key> = "…"'

    def value(self, literal: Literal, tenant: str, name: str) -> str:
        return _text(literal, name)


    def test(self, actual: Any, term: Term) -> bool:
        entries: Mapping[str, str] = actual or {}
        return bool(entries.get(term.key) == term.value) == (term.operator == "=")


@dataclasses.dataclass(frozen=True)
class RepeatedEnum:
    """A repeated enum field (stored as a JSON list of domain values), tested for one value
    with the has operator: ``roles:ROLE_ADMIN``."""

    proto_enum: Any
    domain_enum: type[enum.Enum]
    column: str = ""
    operators: tuple[str, ...] = (":",)
    keyed = False

    def accepts_key(self, key: str) -> bool:
        return not key

    def describe(self, name: str) -> str:
        return f"{name}:{_enum_prefix(self.proto_enum)}…"

    def value(self, literal: Literal, tenant: str, name: str) -> enum.Enum:
        return _enum_value(self.proto_enum, self.domain_enum, literal, name)


    def test(self, actual: Any, term: Term) -> bool:
        return term.value in (actual or ())


@dataclasses.dataclass(frozen=True)
class RepeatedText:
    """A repeated string field of plain words (stored as a JSON list), tested for one value
    with the has operator: ``tags:"billing"``."""

    column: str = ""
    operators: tuple[str, ...] = (":",)
    keyed = False

    def accepts_key(self, key: str) -> bool:
        return not key

    def describe(self, name: str) -> str:
        return f'{name}:"…"'

    def value(self, literal: Literal, tenant: str, name: str) -> str:
        return _text(literal, name)

    def test(self, actual: Any, term: Term) -> bool:
        return term.value in (actual or ())


@dataclasses.dataclass(frozen=True)
class Filter:
    """A parsed filter: every term must hold (AND). The empty filter matches everything."""

    terms: tuple[Term, ...] = ()

    def matches(self, item: object) -> bool:
        """Whether ``item`` (an object with the columns as attributes) passes every term."""
        return all(term.kind.test(getattr(item, term.column), term) for term in self.terms)


MATCH_ALL = Filter()


class FilterSpec:
    """The fields one List's filter may use, each with its kind.

    Args:
        fields: Field name (as written in filters and documented in the contract) -> kind.
    """

    def __init__(self, **fields: FieldKind) -> None:
        self.fields: dict[str, FieldKind] = fields
        forms = ", ".join(kind.describe(name) for name, kind in fields.items())
        self.usage = (f"a filter is terms joined by AND, each field at most once; the "
                      f"fields are {forms} (= or !=; : on a repeated field)")

    def parse(self, text: str, tenant: str = "") -> Filter:
        """The filter ``text`` (empty: match everything) of a List in ``tenant``.

        Raises:
            InvalidArgument: On ``filter``, for anything but the terms this spec allows,
                with where and why.
        """
        terms: list[Term] = []
        seen: set[str] = set()
        position, text = 0, text.strip()
        while position < len(text):
            if terms:
                joiner = _AND.match(text, position)
                if joiner is None:
                    raise _refuse(f"expected AND at character {position}; {self.usage}")
                position = joiner.end()
            match = _TERM.match(text, position)
            if match is None:
                raise _refuse(f"cannot read a term at character {position}; {self.usage}")
            term = self._term(match, tenant)
            written = f"{term.field}.{term.key}" if term.key else term.field
            if written in seen:
                raise _refuse(f"{written} is given twice")
            seen.add(written)
            terms.append(term)
            position = match.end()
        return Filter(tuple(terms))

    def _term(self, match: re.Match[str], tenant: str) -> Term:
        name, key, operator = match["field"], match["key"] or "", match["op"]
        kind = self.fields.get(name)
        if kind is None:
            raise _refuse(f"{name} is not a field this filter knows; {self.usage}")
        if kind.keyed != bool(key):
            raise _refuse(f"{name} is written {kind.describe(name)}")
        if not kind.accepts_key(key):
            raise _refuse(f"{name}.{key}: not a key {name} can hold")
        if operator not in kind.operators:
            raise _refuse(f"{name} takes {' or '.join(kind.operators)}, not {operator}")
        if match["text"] is not None:
            literal = Literal(_ESCAPE.sub(r"\1", match["text"]), quoted=True)
        else:
            literal = Literal(match["word"], quoted=False)
        return Term(name, kind, key, operator, kind.value(literal, tenant, name))

