"""Requests no method of the mesh takes, through the real Envoy: an unknown path, a REST path
with another HTTP method, HEAD and OPTIONS are 404; a gRPC content type on a REST path and
JSON on a gRPC path are 415, both in the google.rpc.Status JSON shape, with or without a
token; a gRPC call of an unknown method is UNIMPLEMENTED."""

from __future__ import annotations

import asyncio
from typing import Any

import grpc
import pytest

from cognition.planner.v1 import planner_service_pb2 as pb
from cognition.planner.v1 import planner_service_pb2_grpc as pb_grpc
from cognos import rest
from cognos.mesh.supervisor import Mesh
from tests.integration.conftest import Tokens

NOT_FOUND, INVALID_ARGUMENT = 5, 3
GOAL_JSON = b'{"description": "sent with the wrong content type"}'


async def _send(mesh: Mesh, method: str, path: str, content_type: str = "application/json",
                data: bytes | None = None, token: str = "") -> tuple[int, Any]:
    headers = {"content-type": content_type}
    if token:
        headers["authorization"] = f"Bearer {token}"
    return await asyncio.to_thread(rest.call_raw, f"http://{mesh.envoy_address}", method, path,
                                   data, headers)


def _assert_status_json(body: Any, code: int, reason: str) -> None:
    assert isinstance(body, dict), body
    assert body["code"] == code and body["message"], body
    info = [d for d in body["details"] if d["@type"].endswith("google.rpc.ErrorInfo")]
    assert info and info[0]["reason"] == reason, body
    assert info[0]["domain"] == "gateway.cognition", body


async def _goal_count(mesh: Mesh, tokens: Tokens, tenant: str) -> int:
    async with grpc.aio.insecure_channel(mesh.envoy_address) as channel:
        listed = await pb_grpc.PlannerServiceStub(channel).ListGoals(
            pb.ListGoalsRequest(parent=f"tenants/{tenant}"), timeout=10,
            metadata=await tokens.metadata(tenant))
    return len(listed.goals)


@pytest.mark.parametrize(("method", "path"), [
    ("GET", "/nope"),
    ("GET", "/v1/nope"),
    ("POST", "/v1/tenants/{tenant}/goals:nope"),
    ("DELETE", "/v1/tenants/{tenant}/goals"),  # a REST path, with a verb it does not take
    ("PUT", "/v1/tenants/{tenant}/goals/g1"),
    ("OPTIONS", "/v1/tenants/{tenant}/goals"),
])
@pytest.mark.parametrize("signed_in", [False, True], ids=["no-token", "token"])
async def test_a_request_no_method_takes_is_not_found(mesh: Mesh, tokens: Tokens, tenant: str,
                                                      method: str, path: str,
                                                      signed_in: bool) -> None:
    token = await tokens.for_tenant(tenant) if signed_in else ""
    data = b"{}" if method in ("POST", "PUT") else None
    status, body = await _send(mesh, method, path.format(tenant=tenant), data=data, token=token)
    assert status == 404, body
    _assert_status_json(body, NOT_FOUND, "METHOD_NOT_FOUND")


@pytest.mark.parametrize("signed_in", [False, True], ids=["no-token", "token"])
async def test_head_is_not_found_without_a_body(mesh: Mesh, tokens: Tokens, tenant: str,
                                                signed_in: bool) -> None:
    token = await tokens.for_tenant(tenant) if signed_in else ""
    status, body = await _send(mesh, "HEAD", f"/v1/tenants/{tenant}/goals", token=token)
    assert (status, body) == (404, None)


@pytest.mark.parametrize("content_type", ["application/grpc", "application/grpc+proto"])
@pytest.mark.parametrize("path", ["/v1/tenants/{tenant}/goals", "/nope"])
async def test_a_grpc_content_type_on_a_rest_path_is_unsupported(
        mesh: Mesh, tokens: Tokens, tenant: str, content_type: str, path: str) -> None:
    status, body = await _send(mesh, "POST", path.format(tenant=tenant), content_type,
                               GOAL_JSON, await tokens.for_tenant(tenant))
    assert status == 415, body
    _assert_status_json(body, INVALID_ARGUMENT, "UNSUPPORTED_MEDIA_TYPE")
    assert await _goal_count(mesh, tokens, tenant) == 0


@pytest.mark.parametrize("path", [
    "/cognition.planner.v1.PlannerService/CreateGoal",  # a method, but only over gRPC
    "/cognition.planner.v1.PlannerService/Nope",
    "/grpc.health.v1.Health/Check",
])
async def test_json_on_a_grpc_path_is_unsupported(mesh: Mesh, tokens: Tokens, tenant: str,
                                                  path: str) -> None:
    body_json = b'{"parent": "tenants/%s", "goal": {"description": "x"}}' % tenant.encode()
    status, body = await _send(mesh, "POST", path, data=body_json,
                               token=await tokens.for_tenant(tenant))
    assert status == 415, body
    _assert_status_json(body, INVALID_ARGUMENT, "UNSUPPORTED_MEDIA_TYPE")
    assert await _goal_count(mesh, tokens, tenant) == 0


@pytest.mark.parametrize("path", ["/cognition.planner.v1.PlannerService/Nope",
                                  "/cognition.nope.v1.NopeService/ListNopes"])
@pytest.mark.parametrize("signed_in", [False, True], ids=["no-token", "token"])
async def test_an_unknown_method_over_grpc_is_unimplemented(mesh: Mesh, tokens: Tokens,
                                                            tenant: str, path: str,
                                                            signed_in: bool) -> None:
    metadata = await tokens.metadata(tenant) if signed_in else None
    async with grpc.aio.insecure_channel(mesh.envoy_address) as channel:
        call = channel.unary_unary(path)(b"", timeout=10, metadata=metadata)
        with pytest.raises(grpc.aio.AioRpcError) as caught:
            await call
    assert caught.value.code() is grpc.StatusCode.UNIMPLEMENTED, caught.value.details()
