"""Resource names parse strictly and never reveal another tenant's resources."""

from __future__ import annotations

import pytest

from shared import context
from shared.errors import InvalidArgument, NotFound
from shared.resources import names


def test_parse_name_and_parent() -> None:
    assert names.parse_name("tenants/acme/goals/g1", "goals") == ("acme", "g1")
    assert names.parse_parent("tenants/acme") == "acme"


@pytest.mark.parametrize("bad", ["", "tenants/acme", "tenants//goals/g1",
                                 "tenants/acme/tools/g1", "tenants/acme/goals/g1/x"])
def test_malformed_names_are_invalid_argument(bad: str) -> None:
    with pytest.raises(InvalidArgument) as caught:
        names.parse_name(bad, "goals")
    assert caught.value.violations[0].field == "name"


def test_another_tenants_name_is_not_found() -> None:
    with context.bind(context.CallContext(tenant="globex")), pytest.raises(NotFound):
        names.parse_name("tenants/acme/goals/g1", "goals")


def test_client_chosen_ids_are_checked() -> None:
    assert names.choose_id("my-goal", "goal_id") == "my-goal"
    assert len(names.choose_id("", "goal_id")) == 36
    with pytest.raises(InvalidArgument):
        names.choose_id("Bad_Id", "goal_id")
