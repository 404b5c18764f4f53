from __future__ import annotations

import pathlib

import grpc
import pytest

from cognition.audit.v1 import audit_entry_pb2
from cognition.audit.v1 import audit_service_pb2 as pb
from cognition.audit.v1 import audit_service_pb2_grpc as pb_grpc
from services.audit_log.config import Settings
from services.audit_log.server import create_server


async def test_server_appends_reads_lists_and_verifies(tmp_path: pathlib.Path) -> None:
    running = await create_server(Settings(port=0, mesh={"data_dir": str(tmp_path)}))
    try:
        async with grpc.aio.insecure_channel(f"127.0.0.1:{running.port}") as channel:
            stub = pb_grpc.AuditServiceStub(channel)
            created = []
            for actor in ("alice", "bob"):
                response = await stub.CreateAuditEntry(pb.CreateAuditEntryRequest(
                    parent="tenants/acme",
                    audit_entry=audit_entry_pb2.AuditEntry(
                        actor=actor, action="planner.goal.create",
                        resource="tenants/acme/goals/g1",
                        outcome=audit_entry_pb2.OUTCOME_SUCCESS,
                        sequence=99, hash="ignored")))
                created.append(response.audit_entry)
            assert [e.sequence for e in created] == [1, 2]
            assert created[0].previous_hash == "0" * 64
            assert created[1].previous_hash == created[0].hash != "ignored"

            got = await stub.GetAuditEntry(pb.GetAuditEntryRequest(name=created[0].name))
            assert got.audit_entry == created[0]

            listed = await stub.ListAuditEntries(pb.ListAuditEntriesRequest(
                parent="tenants/acme", actor="bob"))
            assert [e.name for e in listed.audit_entries] == [created[1].name]

            verdict = await stub.VerifyChain(pb.VerifyChainRequest(parent="tenants/acme"))
            assert (verdict.valid, verdict.entries_checked, verdict.first_bad_entry) == (
                True, 2, "")

            with pytest.raises(grpc.aio.AioRpcError) as bad:
                await stub.CreateAuditEntry(pb.CreateAuditEntryRequest(
                    parent="tenants/acme",
                    audit_entry=audit_entry_pb2.AuditEntry(
                        actor="alice", action="Not A Verb", resource="x",
                        outcome=audit_entry_pb2.OUTCOME_SUCCESS)))
            assert bad.value.code() == grpc.StatusCode.INVALID_ARGUMENT

            with pytest.raises(grpc.aio.AioRpcError) as filtered:
                await stub.ListAuditEntries(pb.ListAuditEntriesRequest(
                    parent="tenants/acme", filter='actor = "bob"'))
            assert filtered.value.code() == grpc.StatusCode.INVALID_ARGUMENT

            with pytest.raises(grpc.aio.AioRpcError) as time_range:
                await stub.ListAuditEntries(pb.ListAuditEntriesRequest(
                    parent="tenants/acme", start_time=created[1].create_time,
                    end_time=created[0].create_time))
            assert time_range.value.code() == grpc.StatusCode.INVALID_ARGUMENT

            with pytest.raises(grpc.aio.AioRpcError) as retention:
                await stub.GetRetentionPolicy(pb.GetRetentionPolicyRequest(
                    name="tenants/acme/retentionPolicy"))
            assert retention.value.code() == grpc.StatusCode.UNIMPLEMENTED
    finally:
        await running.stop(0)
