"""Page tokens are opaque, tamper-evident and bound to the request they continue."""

from __future__ import annotations

import base64
import json

from cognition.planner.v1 import planner_service_pb2
from shared.errors import FieldViolation
from shared.mesh.keys import MeshKeys
from shared.rpc.page_tokens import PageTokens, binding_of, pages

LIST_GOALS = "/cognition.planner.v1.PlannerService/ListGoals"
KEYS = MeshKeys(b"k" * 32)


def tokens(service: str = "task-planner") -> PageTokens:
    return PageTokens(KEYS.key(f"page-tokens/{service}"))


def list_goals(**fields: object) -> planner_service_pb2.ListGoalsRequest:
    return planner_service_pb2.ListGoalsRequest(parent="tenants/acme", **fields)  # type: ignore[arg-type]


def test_a_token_carries_the_cursor_back_and_reveals_nothing() -> None:
    request = list_goals(page_size=5)
    token = tokens().seal('{"t": "2026-01-01T00:00:00+00:00", "i": "g1"}',
                          binding_of(LIST_GOALS, request))
    sealed = base64.urlsafe_b64decode(token + "==")
    assert b"2026-01-01T00:00:00" not in sealed and b'"i": "g1"' not in sealed
    follow = list_goals(page_size=50, page_token=token)  # page_size may change
    assert tokens().open_request(LIST_GOALS, follow) == (binding_of(LIST_GOALS, follow), [])
    assert follow.page_token == '{"t": "2026-01-01T00:00:00+00:00", "i": "g1"}'


def refused(token: str, request: planner_service_pb2.ListGoalsRequest,
            service: str = "task-planner") -> bool:
    opened = tokens(service).open(token, binding_of(LIST_GOALS, request))
    return isinstance(opened, FieldViolation) and opened.field == "page_token"


def test_a_crafted_token_is_refused() -> None:
    crafted = base64.urlsafe_b64encode(
        json.dumps({"t": "2026-01-01T00:00:00", "i": "x"}).encode()).decode()
    for token in (crafted, "garbage", "", "AQ", "=" * 40, "\u00e9t\u00e9"):
        assert refused(token, list_goals())


def test_a_token_comes_back_only_with_the_same_request() -> None:
    token = tokens().seal("cursor", binding_of(LIST_GOALS, list_goals(filter='state = X')))
    assert not refused(token, list_goals(filter="state = X", page_size=3))
    assert refused(token, list_goals(filter="state = Y"))
    assert refused(token, planner_service_pb2.ListGoalsRequest(parent="tenants/other",
                                                               filter="state = X"))


def test_a_token_of_another_service_or_secret_is_refused() -> None:
    token = tokens("tool-runner").seal("cursor", binding_of(LIST_GOALS, list_goals()))
    assert refused(token, list_goals())
    other = PageTokens(MeshKeys(b"o" * 32).key("page-tokens/task-planner"))
    assert refused(other.seal("cursor", binding_of(LIST_GOALS, list_goals())), list_goals())


def test_an_altered_token_is_refused() -> None:
    token = tokens().seal("cursor", binding_of(LIST_GOALS, list_goals()))
    for position in range(0, len(token), 7):
        flipped = token[:position] + ("A" if token[position] != "A" else "B") + token[position + 1:]
        assert refused(flipped, list_goals())


def test_lists_are_found_from_the_contracts() -> None:
    assert pages(LIST_GOALS)
    assert not pages("/cognition.planner.v1.PlannerService/GetGoal")
    assert not pages("/no.such.Service/ListThings")
