"""The list-filter subset shared by the contracts."""

from __future__ import annotations

import pytest

from shared.errors import InvalidArgument
from shared.filters import filter_resource_id, parse_filter

USAGE = 'use state = X or name = "..."'


def test_terms_joined_by_and_with_escapes_inside_quotes() -> None:
    assert parse_filter('state = RUNNING AND name = "a \\"b\\" \\\\ c"', "state|name",
                        {"state"}, USAGE) == {"state": "RUNNING", "name": 'a "b" \\ c'}
    assert parse_filter("  ", "state", {"state"}, USAGE) == {}


@pytest.mark.parametrize("text", ['state = "RUNNING"', "name = RUNNING", "other = X",
                                  'state = X name = "y"', "state = X AND state = Y"])
def test_anything_else_names_the_filter(text: str) -> None:
    with pytest.raises(InvalidArgument) as refused:
        parse_filter(text, "state|name", {"state"}, USAGE)
    assert [v.field for v in refused.value.violations] == ["filter"]


def test_a_resource_named_in_a_filter_must_be_the_tenants() -> None:
    assert filter_resource_id("acme", "policies", "tenants/acme/policies/p1", "policy") == "p1"
    for name in ("tenants/other/policies/p1", "p1", "tenants/acme/policies/a/b"):
        with pytest.raises(InvalidArgument):
            filter_resource_id("acme", "policies", name, "policy")
