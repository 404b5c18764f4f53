"""The memory service's ListMemories filter."""

from __future__ import annotations

import pytest

from services.memory.convert import namespace_of_filter
from shared.errors import InvalidArgument


def test_an_empty_filter_selects_every_namespace() -> None:
    assert namespace_of_filter("  ") is None


def test_a_namespace_filter_selects_that_namespace() -> None:
    assert namespace_of_filter('namespace = "agents.executor"') == "agents.executor"


@pytest.mark.parametrize("text", ['kind = MEMORY_KIND_SEMANTIC', 'namespace = "A"',
                                  'namespace = "a" AND kind = MEMORY_KIND_WORKING'])
def test_any_other_filter_is_invalid(text: str) -> None:
    with pytest.raises(InvalidArgument) as error:
        namespace_of_filter(text)

    assert error.value.violations[0].field == "filter"
