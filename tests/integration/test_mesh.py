"""The whole mesh behind a real Envoy: health, reflection, and a Create/Get/List round trip
of one resource per service over gRPC and over REST/JSON."""

from __future__ import annotations

import asyncio
import json
import subprocess
import urllib.parse

import grpc
import pytest
from grpc_reflection.v1alpha import reflection_pb2, reflection_pb2_grpc

from cognos.mesh import health
from cognos.mesh.envoy_config import SERVICE_HEADER
from cognos.mesh.processes import venv_binary
from cognos.mesh.supervisor import Mesh
from shared.mesh.registry import SERVICES, ServiceSpec
from tests.integration.conftest import Rest, Tokens
from tests.integration.resources import SAMPLES, SampleResource


def _lower_camel(name: str) -> str:
    return name[0].lower() + name[1:]


@pytest.mark.parametrize("spec", SERVICES, ids=lambda s: s.name)
async def test_service_is_serving_directly_and_through_envoy(mesh: Mesh, spec: ServiceSpec) -> None:
    replica = mesh.replicas_of(spec.name)[0]
    assert await health.check(replica.address, spec) == "SERVING"
    assert await health.check(mesh.envoy_address, spec, via_envoy=True) == "SERVING"


async def _reflected_services(address: str, metadata: list[tuple[str, str]]) -> set[str]:
    async with grpc.aio.insecure_channel(address) as channel:
        stub = reflection_pb2_grpc.ServerReflectionStub(channel)
        call = stub.ServerReflectionInfo(metadata=metadata, timeout=5)
        await call.write(reflection_pb2.ServerReflectionRequest(list_services=""))
        response = await call.read()
        await call.done_writing()
    return {s.name for s in response.list_services_response.service}


@pytest.mark.parametrize("spec", SERVICES, ids=lambda s: s.name)
async def test_reflection_lists_the_service_directly_and_through_envoy(
        mesh: Mesh, spec: ServiceSpec) -> None:
    direct = await _reflected_services(mesh.replicas_of(spec.name)[0].address, [])
    assert {spec.full_service_name, "grpc.health.v1.Health"} <= direct
    routed = await _reflected_services(mesh.envoy_address, [(SERVICE_HEADER, spec.name)])
    assert routed == direct


async def test_grpcurl_calls_through_envoy_using_reflection_only(mesh: Mesh, tenant: str,
                                                                 tokens: Tokens) -> None:
    """What a user does with no .proto files at hand."""
    grpcurl = venv_binary("grpcurl")
    header = f"{SERVICE_HEADER}: task-planner"
    listed = await asyncio.to_thread(subprocess.run, [
        grpcurl, "-plaintext", "-H", header, mesh.envoy_address, "list"],
        capture_output=True, text=True, timeout=30, check=True)
    assert "cognition.planner.v1.PlannerService" in listed.stdout.split()
    token = await tokens.for_tenant(tenant, ("goals.write",))
    created = await asyncio.to_thread(subprocess.run, [
        grpcurl, "-plaintext", "-H", header, "-H", f"authorization: Bearer {token}", "-d",
        json.dumps({"parent": f"tenants/{tenant}", "goal": {"description": "via grpcurl"}}),
        mesh.envoy_address, "cognition.planner.v1.PlannerService/CreateGoal"],
        capture_output=True, text=True, timeout=30, check=True)
    goal = json.loads(created.stdout)["goal"]
    assert goal["name"].startswith(f"tenants/{tenant}/goals/")
    assert goal["state"] == "GOAL_STATE_PENDING"


@pytest.mark.parametrize("sample", SAMPLES, ids=lambda s: s.service)
async def test_create_get_list_over_grpc_through_envoy(
        envoy_channel: grpc.aio.Channel, tenant: str, sample: SampleResource) -> None:
    stub = sample.stub(envoy_channel)
    response = await getattr(stub, f"Create{sample.kind}")(sample.create_request(tenant),
                                                            timeout=10)
    created = getattr(response, sample.field)
    assert created.name.startswith(f"tenants/{tenant}/{sample.collection}/")
    got = await getattr(stub, f"Get{sample.kind}")(sample.get_request(created.name), timeout=10)
    assert sample.same(getattr(got, sample.field), created)
    listed = await getattr(stub, f"List{sample.plural}")(sample.list_request(tenant), timeout=10)
    assert [r.name for r in getattr(listed, sample.list_field)] == [created.name]


@pytest.mark.parametrize("sample", SAMPLES, ids=lambda s: s.service)
async def test_create_get_list_over_rest_through_the_transcoder(
        rest_api: Rest, tenant: str, sample: SampleResource) -> None:
    key = _lower_camel(sample.kind)
    collection = f"/v1/tenants/{tenant}/{sample.collection}"
    status, body = await rest_api("POST", collection, sample.json_body(tenant))
    assert status == 200, body
    created = body[key]
    assert created["name"].startswith(f"tenants/{tenant}/{sample.collection}/")
    status, body = await rest_api("GET", f"/v1/{created['name']}")
    assert status == 200 and sample.same(body[key], created)
    narrowed = f"&filter={urllib.parse.quote(sample.list_filter)}" if sample.list_filter else ""
    status, body = await rest_api("GET", collection + "?pageSize=10" + narrowed)
    assert status == 200
    assert [r["name"] for r in body[sample.collection]] == [created["name"]]
