"""Bad input through Envoy, over gRPC and REST: INVALID_ARGUMENT with a BadRequest naming the
field, and nothing written."""

from __future__ import annotations

from typing import Any

import grpc
import pytest

from shared.errors import InvalidArgument
from shared.rpc.status import from_rpc_error
from tests.integration.conftest import Rest
from tests.integration.resources import SAMPLES, SampleResource, sample

GOAL = sample("task-planner")
MEMORY = sample("memory")


async def _grpc_violations(stub_call: Any, request: Any) -> list[str]:
    with pytest.raises(grpc.aio.AioRpcError) as caught:
        await stub_call(request, timeout=10)
    assert caught.value.code() is grpc.StatusCode.INVALID_ARGUMENT
    error = from_rpc_error(caught.value)
    assert isinstance(error, InvalidArgument)
    return [v.field for v in error.violations]


def _rest_violations(status: int, body: Any) -> list[str]:
    assert status == 400, body
    assert body["code"] == grpc.StatusCode.INVALID_ARGUMENT.value[0]
    bad = [d for d in body["details"] if d["@type"].endswith("google.rpc.BadRequest")]
    assert bad, body
    return [v["field"] for v in bad[0]["fieldViolations"]]


async def _count(stub: Any, item: SampleResource, tenant: str) -> int:
    listed = await getattr(stub, f"List{item.plural}")(item.list_request(tenant), timeout=10)
    return len(getattr(listed, item.list_field))


@pytest.mark.parametrize("item", SAMPLES, ids=lambda s: s.service)
async def test_missing_required_field_over_grpc(envoy_channel: grpc.aio.Channel, tenant: str,
                                                item: SampleResource) -> None:
    body = item.json_body(tenant)
    camel = "".join(p.title() if i else p for i, p in enumerate(item.required_field.split("_")))
    body.pop(camel)
    stub = item.stub(envoy_channel)
    fields = await _grpc_violations(getattr(stub, f"Create{item.kind}"),
                                    item.create_request(tenant, body))
    assert f"{item.field}.{item.required_field}" in fields
    assert await _count(stub, item, tenant) == 0


@pytest.mark.parametrize("item", SAMPLES, ids=lambda s: s.service)
async def test_missing_required_field_over_rest(rest_api: Rest, envoy_channel: grpc.aio.Channel,
                                                tenant: str, item: SampleResource) -> None:
    body = item.json_body(tenant)
    camel = "".join(p.title() if i else p for i, p in enumerate(item.required_field.split("_")))
    body.pop(camel)
    status, reply = await rest_api("POST", f"/v1/tenants/{tenant}/{item.collection}", body)
    assert f"{item.field}.{item.required_field}" in _rest_violations(status, reply)
    assert await _count(item.stub(envoy_channel), item, tenant) == 0


async def test_wrong_json_type_over_rest(rest_api: Rest, envoy_channel: grpc.aio.Channel,
                                         tenant: str) -> None:
    status, reply = await rest_api("POST", f"/v1/tenants/{tenant}/goals", {"description": 5})
    assert _rest_violations(status, reply) == ["goal.description"]
    assert await _count(GOAL.stub(envoy_channel), GOAL, tenant) == 0


async def test_unknown_enum_over_grpc_and_rest(rest_api: Rest, envoy_channel: grpc.aio.Channel,
                                               tenant: str) -> None:
    stub = GOAL.stub(envoy_channel)
    request = GOAL.create_request(tenant)
    request.goal.priority = 42  # type: ignore[attr-defined]
    assert await _grpc_violations(stub.CreateGoal, request) == ["goal.priority"]
    status, reply = await rest_api("POST", f"/v1/tenants/{tenant}/goals",
                                   {"description": "x", "priority": "GOAL_PRIORITY_ASAP"})
    assert _rest_violations(status, reply) == ["goal.priority"]
    assert await _count(stub, GOAL, tenant) == 0


async def test_oversize_payload_over_grpc_and_rest(rest_api: Rest, envoy_channel: grpc.aio.Channel,
                                                   tenant: str) -> None:
    stub = MEMORY.stub(envoy_channel)
    body = MEMORY.json_body(tenant) | {"content": "x" * 70_000}
    fields = await _grpc_violations(stub.CreateMemory, MEMORY.create_request(tenant, body))
    assert fields == ["memory.content"]
    status, reply = await rest_api("POST", f"/v1/tenants/{tenant}/memories", body)
    assert _rest_violations(status, reply) == ["memory.content"]
    assert await _count(stub, MEMORY, tenant) == 0


async def test_malformed_json_over_rest_names_the_body(rest_api: Rest, tenant: str) -> None:
    status, reply = await rest_api("POST", f"/v1/tenants/{tenant}/goals", raw=b"{not json")
    assert _rest_violations(status, reply)


async def test_nul_in_any_string_over_grpc_and_rest(rest_api: Rest,
                                                    envoy_channel: grpc.aio.Channel,
                                                    tenant: str) -> None:
    """PostgreSQL cannot hold U+0000 and SQLite can: one rule at the boundary for both."""
    stub = GOAL.stub(envoy_channel)
    request = GOAL.create_request(tenant)
    request.goal.description = "ship\x00it"  # type: ignore[attr-defined]
    assert await _grpc_violations(stub.CreateGoal, request) == ["goal.description"]
    status, reply = await rest_api("POST", f"/v1/tenants/{tenant}/goals",
                                   {"description": "ship\u0000it"})
    assert _rest_violations(status, reply) == ["goal.description"]
    status, reply = await rest_api("DELETE", f"/v1/tenants/{tenant}/goals/g%00")
    assert _rest_violations(status, reply) == ["name"]
    assert await _count(stub, GOAL, tenant) == 0


async def test_a_body_that_does_not_parse_over_grpc(envoy_channel: grpc.aio.Channel,
                                                    tokens: Any, tenant: str) -> None:
    """A string that is not UTF-8, a corrupt wire format: INVALID_ARGUMENT, never UNKNOWN."""
    create = envoy_channel.unary_unary("/cognition.planner.v1.PlannerService/CreateGoal")
    metadata = await tokens.metadata(tenant)
    parent = f"tenants/{tenant}".encode()
    for body in (b"\x0a" + bytes([len(parent)]) + parent + b"\x12\x03\x0a\x01\xff",
                 b"\xff\xff\xff\xff"):
        with pytest.raises(grpc.aio.AioRpcError) as caught:
            await create(body, metadata=metadata, timeout=10)
        assert caught.value.code() is grpc.StatusCode.INVALID_ARGUMENT
        assert from_rpc_error(caught.value).violations[0].field == "request"  # type: ignore[attr-defined]


async def test_hundreds_of_bad_fields_get_a_bounded_answer(rest_api: Rest,
                                                          envoy_channel: grpc.aio.Channel,
                                                          tenant: str) -> None:
    """Envoy answered 502/503 when a status carried every violation of a huge request."""
    labels = {f"{'k' * 70}{i}": "v" for i in range(600)}  # each key too long
    status, reply = await rest_api("POST", f"/v1/tenants/{tenant}/goals",
                                   {"description": "x", "labels": labels})
    assert len(_rest_violations(status, reply)) == 20
    assert "more" in reply["message"]
    request = GOAL.create_request(tenant)
    request.goal.labels.update(labels)  # type: ignore[attr-defined]
    assert len(await _grpc_violations(GOAL.stub(envoy_channel).CreateGoal, request)) == 20
