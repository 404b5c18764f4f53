"""Every List of every service, present and future, refuses a page token it did not make for
that very request: INVALID_ARGUMENT naming page_token, never INTERNAL, never garbage accepted."""

from __future__ import annotations

import base64
import json
from typing import Any

import grpc
import pytest
from google.protobuf import descriptor_pool, message_factory

from cognition.planner.v1 import goal_pb2, planner_service_pb2, planner_service_pb2_grpc
from shared.errors import InvalidArgument
from shared.mesh.registry import SERVICES
from shared.rpc.page_tokens import pages
from shared.rpc.status import from_rpc_error
from tests.helpers import import_contracts
from tests.integration.conftest import Tokens

CRAFTED = {
    "naive timestamp": base64.urlsafe_b64encode(
        json.dumps({"t": "2026-01-01T00:00:00", "i": "x"}).encode()).decode(),
    "garbage": "not-a-token",
    "sequence": base64.urlsafe_b64encode(b'{"s": -1}').decode(),
}


def list_methods() -> list[tuple[str, Any]]:
    """(path, request class) of every paged List in the contracts."""
    import_contracts()
    found = []
    pool = descriptor_pool.Default()
    for spec in SERVICES:
        for method in pool.FindServiceByName(spec.full_service_name).methods:
            path = f"/{spec.full_service_name}/{method.name}"
            if pages(path) and not method.server_streaming:
                found.append((path, message_factory.GetMessageClass(method.input_type)))
    return found


LISTS = list_methods()


def test_the_lists_are_found() -> None:
    assert "/cognition.planner.v1.PlannerService/ListGoals" in dict(LISTS)
    assert len(LISTS) >= 18


@pytest.mark.parametrize(("path", "request_class"), LISTS, ids=[p for p, _ in LISTS])
async def test_a_crafted_page_token_is_invalid_argument(
        envoy_channel: grpc.aio.Channel, tokens: Tokens, tenant: str, path: str,
        request_class: Any) -> None:
    call = envoy_channel.unary_unary(path, request_serializer=lambda m: m.SerializeToString(),
                                     response_deserializer=lambda b: b)
    metadata = await tokens.metadata(tenant)
    for token in CRAFTED.values():
        request = request_class(page_token=token)
        if "parent" in request.DESCRIPTOR.fields_by_name:
            request.parent = f"tenants/{tenant}"
        with pytest.raises(grpc.aio.AioRpcError) as caught:
            await call(request, metadata=metadata, timeout=10)
        assert caught.value.code() is grpc.StatusCode.INVALID_ARGUMENT, caught.value.details()
        error = from_rpc_error(caught.value)
        assert isinstance(error, InvalidArgument)
        assert "page_token" in [v.field for v in error.violations]


async def test_a_token_is_bound_to_its_filter_and_parent(envoy_channel: grpc.aio.Channel,
                                                         tenant: str) -> None:
    stub = planner_service_pb2_grpc.PlannerServiceStub(envoy_channel)
    for text in ("first", "second"):
        await stub.CreateGoal(planner_service_pb2.CreateGoalRequest(
            parent=f"tenants/{tenant}", goal=goal_pb2.Goal(description=text)), timeout=10)
    first = await stub.ListGoals(planner_service_pb2.ListGoalsRequest(
        parent=f"tenants/{tenant}", page_size=1), timeout=10)
    assert first.next_page_token
    second = await stub.ListGoals(planner_service_pb2.ListGoalsRequest(
        parent=f"tenants/{tenant}", page_size=5, page_token=first.next_page_token), timeout=10)
    assert len(second.goals) == 1 and second.goals[0].name != first.goals[0].name
    for changed in (planner_service_pb2.ListGoalsRequest(parent=f"tenants/{tenant}",
                                                         filter="state = GOAL_STATE_PENDING"),
                    planner_service_pb2.ListGoalsRequest(parent="tenants/someone-else")):
        changed.page_token = first.next_page_token
        with pytest.raises(grpc.aio.AioRpcError) as caught:
            await stub.ListGoals(changed, timeout=10)
        assert caught.value.code() is grpc.StatusCode.INVALID_ARGUMENT
        assert "page_token" in [v.field for v in from_rpc_error(caught.value).violations]  # type: ignore[attr-defined]
