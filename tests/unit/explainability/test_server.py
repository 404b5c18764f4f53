from __future__ import annotations

import pathlib
import socket

import grpc
import pytest

from cognition.explain.v1 import explain_service_pb2 as pb
from cognition.explain.v1 import explain_service_pb2_grpc as pb_grpc
from cognition.explain.v1 import explanation_pb2
from services.explainability.config import Settings
from services.explainability.server import create_server
from tests.helpers import mesh_channel
from tests.unit.explainability.conftest import FakeAuditService


async def test_server_explains_from_the_audit_log(tmp_path: pathlib.Path,
                                                  fake_audit: tuple[FakeAuditService, str]
                                                  ) -> None:
    audit, address = fake_audit
    audit.record("acme", "alice", "planner.goal.create", "tenants/acme/goals/g1")
    audit.record("acme", "bob", "planner.goal.cancel", "tenants/acme/goals/g1")
    running = await create_server(Settings(
        port=0, mesh={"peers": {"audit-log": address}, "data_dir": str(tmp_path)}))
    try:
        async with mesh_channel(f"127.0.0.1:{running.port}") as channel:
            stub = pb_grpc.ExplainServiceStub(channel)
            created = (await stub.CreateExplanation(pb.CreateExplanationRequest(
                parent="tenants/acme", explanation_id="why-g1",
                explanation=explanation_pb2.Explanation(
                    subject="tenants/acme/goals/g1", answer="ignored")))).explanation
            assert created.name == "tenants/acme/explanations/why-g1"
            assert created.state == explanation_pb2.EXPLANATION_STATE_READY
            assert "alice did planner.goal.create (success)" in created.answer
            assert [e.source for e in created.evidence] == [
                "tenants/acme/auditEntries/e1", "tenants/acme/auditEntries/e2"]
            assert {e.kind for e in created.evidence} == {
                explanation_pb2.EVIDENCE_KIND_AUDIT_ENTRY}

            got = await stub.GetExplanation(pb.GetExplanationRequest(name=created.name))
            assert got.explanation == created
            listed = await stub.ListExplanations(pb.ListExplanationsRequest(parent="tenants/acme"))
            assert [e.name for e in listed.explanations] == [created.name]

            await stub.DeleteExplanation(pb.DeleteExplanationRequest(name=created.name))
            with pytest.raises(grpc.aio.AioRpcError) as gone:
                await stub.GetExplanation(pb.GetExplanationRequest(name=created.name))
            assert gone.value.code() == grpc.StatusCode.NOT_FOUND

            with pytest.raises(grpc.aio.AioRpcError) as bad:
                await stub.CreateExplanation(pb.CreateExplanationRequest(
                    parent="tenants/acme",
                    explanation=explanation_pb2.Explanation(subject="goals/g1")))
            assert bad.value.code() == grpc.StatusCode.INVALID_ARGUMENT
    finally:
        await running.stop(0)


async def test_server_is_unavailable_without_the_audit_log(tmp_path: pathlib.Path) -> None:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        closed = f"127.0.0.1:{probe.getsockname()[1]}"
    running = await create_server(Settings(
        port=0, mesh={"peers": {"audit-log": closed}, "data_dir": str(tmp_path)}))
    try:
        async with mesh_channel(f"127.0.0.1:{running.port}") as channel:
            stub = pb_grpc.ExplainServiceStub(channel)
            with pytest.raises(grpc.aio.AioRpcError) as down:
                await stub.CreateExplanation(pb.CreateExplanationRequest(
                    parent="tenants/acme",
                    explanation=explanation_pb2.Explanation(subject="tenants/acme/goals/g1")))
            assert down.value.code() == grpc.StatusCode.UNAVAILABLE
            listed = await stub.ListExplanations(pb.ListExplanationsRequest(parent="tenants/acme"))
            assert list(listed.explanations) == []
    finally:
        await running.stop(0)
