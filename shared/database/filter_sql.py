"""A parsed List filter (:class:`shared.resources.filters.Filter`) as SQL where-clauses."""

from __future__ import annotations

import json
from typing import Any

import sqlalchemy as sa

from shared.resources.filters import Filter, IsSet, MapEntry, RepeatedEnum, RepeatedText, Term


def filter_where(matching: Filter, table: sa.Table) -> list[sa.ColumnElement[bool]]:
    """The where-clauses of ``matching``'s terms on ``table`` (whose columns the spec names)."""
    return [term_where(table.c[term.column], term) for term in matching.terms]


def term_where(column: Any, term: Term) -> sa.ColumnElement[bool]:
    """The where-clause of one term on ``column``, as its field's kind compares."""
    result: sa.ColumnElement[bool]
    kind = term.kind
    if isinstance(kind, IsSet):
        wanted = bool(term.value) == (term.operator == "=")
        result = column.is_not(None) if wanted else column.is_(None)
    elif isinstance(kind, MapEntry):
        entry = column[term.key].as_string()
        result = entry == term.value if term.operator == "=" else sa.or_(
            entry.is_(None), entry != term.value)
    elif isinstance(kind, RepeatedEnum | RepeatedText):
        # The JSON text holds each value quoted; enum values and plain words have no quote or
        # backslash, so the quoted value occurs in the text exactly when the list holds it.
        quoted = json.dumps(term.value.value if isinstance(kind, RepeatedEnum) else term.value)
        result = sa.cast(column, sa.Text).contains(quoted, autoescape=True)
    else:
        result = column == term.value if term.operator == "=" else column != term.value
    return result
