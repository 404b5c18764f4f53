"""The memory service's ListMemories filter."""

from __future__ import annotations

import pytest

from services.memory.convert import MEMORY_FILTER
from services.memory.core.models import MemoryKind
from shared.errors import InvalidArgument


def test_an_empty_filter_selects_every_memory() -> None:
    assert MEMORY_FILTER.parse("  ", "acme").terms == ()


def test_namespace_kind_and_metadata_terms_are_read() -> None:
    parsed = MEMORY_FILTER.parse('namespace = "agents.executor" AND kind = MEMORY_KIND_SEMANTIC '
                                 'AND metadata.source != "chat"', "acme")
    assert [(t.field, t.key, t.operator, t.value) for t in parsed.terms] == [
        ("namespace", "", "=", "agents.executor"), ("kind", "", "=", MemoryKind.SEMANTIC),
        ("metadata", "source", "!=", "chat")]


@pytest.mark.parametrize("text", ['namespace = agents', 'kind = "MEMORY_KIND_SEMANTIC"',
                                  "kind = MEMORY_KIND_UNSPECIFIED", 'content = "x"',
                                  'namespace = "a" kind = MEMORY_KIND_WORKING'])
def test_any_other_filter_is_invalid(text: str) -> None:
    with pytest.raises(InvalidArgument) as error:
        MEMORY_FILTER.parse(text, "acme")

    assert error.value.violations[0].field == "filter"
