"""The ai-quality-gate's real server on a free port, driven over a gRPC channel."""

from __future__ import annotations

import pathlib

import grpc
import pytest
from google.protobuf import field_mask_pb2, timestamp_pb2

from cognition.quality.v1 import policy_pb2, validation_pb2
from cognition.quality.v1 import quality_service_pb2 as pb
from cognition.quality.v1 import quality_service_pb2_grpc as pb_grpc
from services.ai_quality_gate.config import Settings
from services.ai_quality_gate.server import create_server
from shared.config import MeshSettings
from tests.helpers import bad_fields, error_reason, mesh_channel


def policy_message(*configs: str, **fields: object) -> policy_pb2.Policy:
    rules = [policy_pb2.Rule(kind=policy_pb2.RULE_KIND_MAX_LENGTH, config=c) for c in configs]
    values: dict[str, object] = {"display_name": "Short", "rules": rules}
    values.update(fields)
    return policy_pb2.Policy(**values)  # type: ignore[arg-type]




async def test_policy_crud_over_grpc(tmp_path: pathlib.Path) -> None:
    running = await create_server(Settings(port=0, mesh=MeshSettings(data_dir=tmp_path)))
    try:
        async with mesh_channel(f"127.0.0.1:{running.port}") as channel:
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


async def test_validate_output_then_get_and_list_over_grpc(tmp_path: pathlib.Path) -> None:
    running = await create_server(Settings(port=0, mesh=MeshSettings(data_dir=tmp_path)))
    try:
        async with mesh_channel(f"127.0.0.1:{running.port}") as channel:
            stub = pb_grpc.QualityServiceStub(channel)
            policy = (await stub.CreatePolicy(pb.CreatePolicyRequest(
                parent="tenants/acme", policy_id="answers", policy=policy_pb2.Policy(
                    display_name="Answers", rules=[
                        policy_pb2.Rule(kind=policy_pb2.RULE_KIND_MAX_LENGTH,
                                        config='{"max": 30}'),
                        policy_pb2.Rule(kind=policy_pb2.RULE_KIND_REQUIRED_KEYWORDS,
                                        config='{"keywords": ["source"]}')])))).policy

            failed = (await stub.ValidateOutput(pb.ValidateOutputRequest(
                parent="tenants/acme", policy=policy.name, subject="tenants/acme/tasks/t1",
                content="An answer far longer than thirty characters."))).validation
            assert failed.name.startswith("tenants/acme/validations/")
            assert failed.policy == policy.name
            assert failed.subject == "tenants/acme/tasks/t1"
            assert failed.verdict == validation_pb2.VERDICT_FAIL
            assert failed.mode == policy_pb2.POLICY_MODE_ENFORCE
            assert [(f.rule_index, f.severity) for f in failed.findings] == [
                (0, validation_pb2.SEVERITY_ERROR), (1, validation_pb2.SEVERITY_ERROR)]
            assert failed.findings[1].message == "output lacks the required keyword 'source'"
            assert failed.HasField("create_time")

            passed = (await stub.ValidateOutput(pb.ValidateOutputRequest(
                parent="tenants/acme", policy=policy.name,
                content="Short; source: docs."))).validation
            assert passed.verdict == validation_pb2.VERDICT_PASS
            assert passed.action == policy_pb2.ACTION_ACCEPT
            assert list(passed.findings) == []
            assert passed.score == 1.0
            assert 0 < passed.content_quality < 1

            got = (await stub.GetValidation(pb.GetValidationRequest(name=failed.name)))
            assert got.validation == failed

            listed = await stub.ListValidations(pb.ListValidationsRequest(
                parent="tenants/acme", page_size=1))
            assert [v.name for v in listed.validations] == [passed.name]
            rest = await stub.ListValidations(pb.ListValidationsRequest(
                parent="tenants/acme", page_token=listed.next_page_token))
            assert [v.name for v in rest.validations] == [failed.name]
            assert rest.next_page_token == ""
            only_failed = await stub.ListValidations(pb.ListValidationsRequest(
                parent="tenants/acme",
                filter=f'verdict = VERDICT_FAIL AND policy = "{policy.name}"'))
            assert [v.name for v in only_failed.validations] == [failed.name]

            with pytest.raises(grpc.aio.AioRpcError) as missing:
                await stub.ValidateOutput(pb.ValidateOutputRequest(
                    parent="tenants/acme", policy="tenants/acme/policies/nope",
                    content="text"))
            assert missing.value.code() == grpc.StatusCode.NOT_FOUND
            assert error_reason(missing.value) == "POLICY_NOT_FOUND"

            with pytest.raises(grpc.aio.AioRpcError) as other_tenant:
                await stub.ValidateOutput(pb.ValidateOutputRequest(
                    parent="tenants/other", policy=policy.name, content="text"))
            assert other_tenant.value.code() == grpc.StatusCode.NOT_FOUND
            assert error_reason(other_tenant.value) == "POLICY_NOT_FOUND"

            with pytest.raises(grpc.aio.AioRpcError) as empty:
                await stub.ValidateOutput(pb.ValidateOutputRequest(
                    parent="tenants/acme", policy=policy.name, content=""))
            assert empty.value.code() == grpc.StatusCode.INVALID_ARGUMENT
            assert bad_fields(empty.value) == ["content"]

            with pytest.raises(grpc.aio.AioRpcError) as bad_filter:
                await stub.ListValidations(pb.ListValidationsRequest(
                    parent="tenants/acme", filter="verdict = FAIL"))
            assert bad_fields(bad_filter.value) == ["filter"]

            with pytest.raises(grpc.aio.AioRpcError) as no_validation:
                await stub.GetValidation(pb.GetValidationRequest(
                    name="tenants/acme/validations/nope"))
            assert no_validation.value.code() == grpc.StatusCode.NOT_FOUND
    finally:
        await running.stop(0)


async def test_judging_agent_output_over_grpc(tmp_path: pathlib.Path) -> None:
    """No policy named (the default, then the agent type's), the new request and validation
    fields, policy revisions, a cross-check whose runtime is down, and the metrics."""
    settings = Settings(port=0, mesh=MeshSettings(
        data_dir=tmp_path, peers={"ai-runtime": "127.0.0.1:1"}))  # nothing listens there
    running = await create_server(settings)
    try:
        async with mesh_channel(f"127.0.0.1:{running.port}") as channel:
            stub = pb_grpc.QualityServiceStub(channel)
            schema = '{"type": "object", "required": ["summary"]}'
            leaky = '{"summary": "done with key AKIAIOSFODNN7EXAMPLE"}'

            judged = (await stub.ValidateOutput(pb.ValidateOutputRequest(
                parent="tenants/acme", content=leaky, agent_type="executor",
                prompt_version="executor/v1", output_schema=schema,
                known_tools=["execute_python"], tools_used=["execute_python"],
                round=1))).validation
            assert judged.policy == ""
            assert (judged.verdict, judged.action) == (validation_pb2.VERDICT_FAIL,
                                                       policy_pb2.ACTION_REPAIR)
            assert judged.score == pytest.approx(0.6)
            assert judged.redacted_content == (
                '{"summary": "done with key [REDACTED:aws-access-key]"}')
            assert [(f.kind, f.category) for f in judged.findings] == [
                (policy_pb2.RULE_KIND_SECRETS, "aws-access-key")]
            assert list(judged.reasons) == [f.message for f in judged.findings]
            assert judged.feedback.startswith("- Remove the AWS access key")
            assert (judged.agent_type, judged.prompt_version, judged.round,
                    judged.policy_revision) == ("executor", "executor/v1", 1, 1)
            got = (await stub.GetValidation(pb.GetValidationRequest(name=judged.name))
                   ).validation
            assert got.redacted_content == "" and got.feedback == judged.feedback

            policy = (await stub.CreatePolicy(pb.CreatePolicyRequest(
                parent="tenants/acme", policy_id="executor", policy=policy_pb2.Policy(
                    display_name="Executor", agent_type="executor",
                    on_failure=policy_pb2.ACTION_REPAIR, max_repair_rounds=3, pass_score=0.9,
                    rules=[policy_pb2.Rule(kind=policy_pb2.RULE_KIND_SECRETS),
                           policy_pb2.Rule(kind=policy_pb2.RULE_KIND_CROSS_CHECK)])))).policy
            assert (policy.revision, policy.on_failure, policy.max_repair_rounds) == (
                1, policy_pb2.ACTION_REPAIR, 3)
            assert policy.pass_score == pytest.approx(0.9)

            checked = (await stub.ValidateOutput(pb.ValidateOutputRequest(
                parent="tenants/acme", content='{"summary": "done"}', agent_type="executor",
                prompt_version="executor/v2", task_description="Back up."))).validation
            assert checked.policy == policy.name
            [unverified] = checked.findings
            assert unverified.kind == policy_pb2.RULE_KIND_CROSS_CHECK
            assert "could not run" in unverified.message
            assert not checked.HasField("verification")
            assert checked.action == policy_pb2.ACTION_ESCALATE  # nothing to repair

            updated = (await stub.UpdatePolicy(pb.UpdatePolicyRequest(
                policy=policy_pb2.Policy(name=policy.name, rules=[
                    policy_pb2.Rule(kind=policy_pb2.RULE_KIND_SECRETS)]),
                update_mask=field_mask_pb2.FieldMask(paths=["rules"])))).policy
            assert updated.revision == 2 and updated.agent_type == "executor"
            accepted = (await stub.ValidateOutput(pb.ValidateOutputRequest(
                parent="tenants/acme", content='{"summary": "done"}', agent_type="executor",
                prompt_version="executor/v2"))).validation
            assert (accepted.action, accepted.policy_revision) == (policy_pb2.ACTION_ACCEPT, 2)

            metrics = await stub.GetQualityMetrics(pb.GetQualityMetricsRequest(
                parent="tenants/acme", agent_type="executor"))
            assert [(r.prompt_version, r.validations, r.passed, r.repairs, r.escalations,
                     r.rejections) for r in metrics.rows] == [
                ("executor/v1", 1, 0, 1, 0, 0), ("executor/v2", 2, 1, 0, 1, 0)]
            assert metrics.rows[1].mean_score == pytest.approx((0.6 + 1.0) / 2)
            only_repairs = await stub.ListValidations(pb.ListValidationsRequest(
                parent="tenants/acme", filter='action = ACTION_REPAIR AND agent_type = '
                                              '"executor"'))
            assert [v.name for v in only_repairs.validations] == [judged.name]

            with pytest.raises(grpc.aio.AioRpcError) as bad_schema:
                await stub.ValidateOutput(pb.ValidateOutputRequest(
                    parent="tenants/acme", content="x", output_schema="{not json"))
            assert bad_schema.value.code() == grpc.StatusCode.INVALID_ARGUMENT
            assert bad_fields(bad_schema.value) == ["output_schema"]

            with pytest.raises(grpc.aio.AioRpcError) as bad_request:
                await stub.ValidateOutput(pb.ValidateOutputRequest(
                    parent="tenants/acme", content="x", agent_type="Executor!", round=-1))
            assert sorted(bad_fields(bad_request.value)) == ["agent_type", "round"]

            with pytest.raises(grpc.aio.AioRpcError) as bad_policy:
                await stub.CreatePolicy(pb.CreatePolicyRequest(
                    parent="tenants/acme", policy=policy_pb2.Policy(
                        display_name="x", on_failure=policy_pb2.ACTION_ACCEPT, pass_score=2,
                        rules=[policy_pb2.Rule(kind=policy_pb2.RULE_KIND_PII,
                                               config='{"kinds": ["name"]}')])))
            assert sorted(bad_fields(bad_policy.value)) == ["policy.on_failure",
                                                            "policy.pass_score"]
            with pytest.raises(grpc.aio.AioRpcError) as bad_config:
                await stub.CreatePolicy(pb.CreatePolicyRequest(
                    parent="tenants/acme", policy=policy_pb2.Policy(
                        display_name="x", rules=[policy_pb2.Rule(
                            kind=policy_pb2.RULE_KIND_PII, config='{"kinds": ["name"]}')])))
            assert bad_fields(bad_config.value) == ["policy.rules[0].config"]

            with pytest.raises(grpc.aio.AioRpcError) as bad_range:
                await stub.GetQualityMetrics(pb.GetQualityMetricsRequest(
                    parent="tenants/acme", start_time=timestamp_pb2.Timestamp(seconds=100),
                    end_time=timestamp_pb2.Timestamp(seconds=50)))
            assert bad_fields(bad_range.value) == ["start_time"]
    finally:
        await running.stop(0)
