"""The edge's routes: every unary call may take its ordinary budget, and a long poll its
longest wait on top, so Envoy never cuts a call the contract lets the server hold."""

from __future__ import annotations

import pathlib
from typing import Any

from cognos.cli import REFERENCE_DESCRIPTOR
from cognos.mesh.envoy_config import (
    PER_TRY_TIMEOUT_S,
    ROUTE_TIMEOUT_S,
    EnvoyOptions,
    render,
    rpc_methods,
)

READY_TASKS = "/cognition.planner.v1.PlannerService/ListReadyTasks"
GET_GOAL = "/cognition.planner.v1.PlannerService/GetGoal"
DESCRIPTORS = pathlib.Path(__file__).parents[3] / REFERENCE_DESCRIPTOR


def _seconds(text: str) -> float:
    assert text.endswith("s")
    return float(text[:-1])


def _route(path: str) -> dict[str, Any]:
    config = render(EnvoyOptions(descriptor_set=DESCRIPTORS))
    manager = config["static_resources"]["listeners"][0]["filter_chains"][0]["filters"][0]
    routes = manager["typed_config"]["route_config"]["virtual_hosts"][0]["routes"]
    route: dict[str, Any] = next(r["route"] for r in routes if r["match"].get("path") == path)
    return route


def test_a_long_poll_is_given_its_longest_wait_on_top_of_the_ordinary_budget() -> None:
    waits = {m.name: m.longest_wait for methods in rpc_methods(DESCRIPTORS).values()
             for m in methods}
    assert waits["ListReadyTasks"] == 30.0  # lte in the contract
    route = _route(READY_TASKS)
    assert _seconds(route["timeout"]) == ROUTE_TIMEOUT_S + 30.0
    assert _seconds(route["retry_policy"]["per_try_timeout"]) == PER_TRY_TIMEOUT_S + 30.0


def test_an_ordinary_read_keeps_the_ordinary_budget() -> None:
    route = _route(GET_GOAL)
    assert _seconds(route["timeout"]) == ROUTE_TIMEOUT_S
    assert _seconds(route["retry_policy"]["per_try_timeout"]) == PER_TRY_TIMEOUT_S
