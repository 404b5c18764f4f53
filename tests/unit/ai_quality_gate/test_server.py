"""The ai-quality-gate's real server on a free port, driven over a gRPC channel."""

from __future__ import annotations

import pathlib

import grpc
import pytest
from google.protobuf import field_mask_pb2
from google.rpc import error_details_pb2
from grpc_status import rpc_status

from cognition.quality.v1 import policy_pb2
from cognition.quality.v1 import quality_service_pb2 as pb
from cognition.quality.v1 import quality_service_pb2_grpc as pb_grpc
from services.ai_quality_gate.config import Settings
from services.ai_quality_gate.server import create_server


def policy_message(*configs: str, **fields: object) -> policy_pb2.Policy:
    rules = [policy_pb2.Rule(kind=policy_pb2.RULE_KIND_MAX_LENGTH, config=c) for c in configs]
    values: dict[str, object] = {"display_name": "Short", "rules": rules}
    values.update(fields)
    return policy_pb2.Policy(**values)  # type: ignore[arg-type]


def bad_fields(error: grpc.aio.AioRpcError) -> list[str]:
    status = rpc_status.from_call(error)  # type: ignore[arg-type]
    assert status is not None
    fields = []
    for detail in status.details:
        if detail.Is(error_details_pb2.BadRequest.DESCRIPTOR):
            bad_request = error_details_pb2.BadRequest()
            detail.Unpack(bad_request)
            fields += [v.field for v in bad_request.field_violations]
    return fields


async def test_policy_crud_over_grpc(tmp_path: pathlib.Path) -> None:
    running = await create_server(Settings(port=0, mesh={"data_dir": str(tmp_path)}))
    try:
        async with grpc.aio.insecure_channel(f"127.0.0.1:{running.port}") as channel:
            stub = pb_grpc.QualityServiceStub(channel)

            created = (await stub.CreatePolicy(pb.CreatePolicyRequest(
                parent="tenants/acme", policy_id="short",
                policy=policy_message('{"max": 100}')))).policy
            assert created.name == "tenants/acme/policies/short"
            assert created.mode == policy_pb2.POLICY_MODE_ENFORCE
            assert created.rules[0].config == '{"max": 100}'

            got = (await stub.GetPolicy(pb.GetPolicyRequest(name=created.name))).policy
            assert got == created

            listed = await stub.ListPolicies(pb.ListPoliciesRequest(parent="tenants/acme"))
            assert [p.name for p in listed.policies] == [created.name]

            updated = (await stub.UpdatePolicy(pb.UpdatePolicyRequest(
                policy=policy_message('{"max": 5}', name=created.name,
                                      mode=policy_pb2.POLICY_MODE_AUDIT, etag=created.etag),
                update_mask=field_mask_pb2.FieldMask(paths=["mode"])))).policy
            assert updated.mode == policy_pb2.POLICY_MODE_AUDIT
            assert updated.rules == created.rules

            with pytest.raises(grpc.aio.AioRpcError) as bad_config:
                await stub.UpdatePolicy(pb.UpdatePolicyRequest(
                    policy=policy_message('{"max": 5}', "{oops", name=created.name)))
            assert bad_config.value.code() == grpc.StatusCode.INVALID_ARGUMENT
            assert bad_fields(bad_config.value) == ["policy.rules[1].config"]

            await stub.DeletePolicy(pb.DeletePolicyRequest(name=created.name))
            with pytest.raises(grpc.aio.AioRpcError) as missing:
                await stub.GetPolicy(pb.GetPolicyRequest(name=created.name))
            assert missing.value.code() == grpc.StatusCode.NOT_FOUND

            with pytest.raises(grpc.aio.AioRpcError) as bad:
                await stub.CreatePolicy(pb.CreatePolicyRequest(
                    parent="tenants/acme", policy=policy_message(display_name="")))
            assert bad.value.code() == grpc.StatusCode.INVALID_ARGUMENT
            assert bad_fields(bad.value) == ["policy.display_name"]
    finally:
        await running.stop(0)
