from __future__ import annotations

import pathlib
from collections.abc import AsyncIterator

import grpc
import pytest
from google.protobuf import duration_pb2, field_mask_pb2

from cognition.audit.v1 import audit_entry_pb2, retention_policy_pb2
from cognition.audit.v1 import audit_service_pb2 as pb
from cognition.audit.v1 import audit_service_pb2_grpc as pb_grpc
from services.audit_log.config import Settings
from services.audit_log.server import create_server
from shared.errors import InvalidArgument
from shared.rpc.status import from_rpc_error
from tests.helpers import mesh_channel


async def test_server_appends_reads_lists_and_verifies(tmp_path: pathlib.Path) -> None:
    running = await create_server(Settings(port=0, mesh={"data_dir": str(tmp_path)}))
    try:
        async with mesh_channel(f"127.0.0.1:{running.port}") as channel:
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

            filtered = await stub.ListAuditEntries(pb.ListAuditEntriesRequest(
                parent="tenants/acme", filter='actor != "bob" AND outcome = OUTCOME_SUCCESS'))
            assert [e.name for e in filtered.audit_entries] == [created[0].name]
            with pytest.raises(grpc.aio.AioRpcError) as garbage:
                await stub.ListAuditEntries(pb.ListAuditEntriesRequest(
                    parent="tenants/acme", filter="actor bob"))
            assert garbage.value.code() == grpc.StatusCode.INVALID_ARGUMENT

            with pytest.raises(grpc.aio.AioRpcError) as time_range:
                await stub.ListAuditEntries(pb.ListAuditEntriesRequest(
                    parent="tenants/acme", start_time=created[1].create_time,
                    end_time=created[0].create_time))
            assert time_range.value.code() == grpc.StatusCode.INVALID_ARGUMENT

            policy = await stub.GetRetentionPolicy(pb.GetRetentionPolicyRequest(
                name="tenants/acme/retentionPolicy"))
            assert policy.retention_policy.name == "tenants/acme/retentionPolicy"
            assert not policy.retention_policy.HasField("retain")  # default: kept forever
    finally:
        await running.stop(0)


def _entry(actor: str = "alice") -> audit_entry_pb2.AuditEntry:
    return audit_entry_pb2.AuditEntry(actor=actor, action="planner.goal.create",
                                      resource="tenants/acme/goals/g1",
                                      outcome=audit_entry_pb2.OUTCOME_SUCCESS)


def _violations(error: grpc.aio.AioRpcError) -> list[str]:
    decoded = from_rpc_error(error)
    assert isinstance(decoded, InvalidArgument)
    return [v.field for v in decoded.violations]


@pytest.fixture
async def stub(tmp_path: pathlib.Path) -> AsyncIterator[pb_grpc.AuditServiceStub]:
    running = await create_server(Settings(port=0, mesh={"data_dir": str(tmp_path)}))
    try:
        async with mesh_channel(f"127.0.0.1:{running.port}") as channel:
            yield pb_grpc.AuditServiceStub(channel)
    finally:
        await running.stop(0)


async def test_batch_appends_in_order_and_a_resend_returns_the_same_entries(
        stub: pb_grpc.AuditServiceStub) -> None:
    await stub.CreateAuditEntry(pb.CreateAuditEntryRequest(parent="tenants/acme",
                                                           audit_entry=_entry()))
    request = pb.BatchCreateAuditEntriesRequest(parent="tenants/acme", requests=[
        pb.CreateAuditEntryRequest(parent="tenants/acme" if i % 2 else "",
                                   audit_entry_id=f"b{i}", audit_entry=_entry(f"actor{i}"))
        for i in range(5)])
    created = (await stub.BatchCreateAuditEntries(request)).audit_entries
    assert [e.name for e in created] == [f"tenants/acme/auditEntries/b{i}" for i in range(5)]
    assert [e.actor for e in created] == [f"actor{i}" for i in range(5)]
    assert [e.sequence for e in created] == [2, 3, 4, 5, 6]

    # A publisher that lost the acknowledgement resends, with one new entry added.
    request.requests.append(pb.CreateAuditEntryRequest(audit_entry_id="b5",
                                                       audit_entry=_entry("late")))
    resent = (await stub.BatchCreateAuditEntries(request)).audit_entries
    assert list(resent[:5]) == list(created)
    assert resent[5].sequence == 7 and resent[5].previous_hash == created[4].hash
    single = await stub.CreateAuditEntry(pb.CreateAuditEntryRequest(
        parent="tenants/acme", audit_entry_id="b2", audit_entry=_entry("actor2")))
    assert single.audit_entry == created[2]

    verdict = await stub.VerifyChain(pb.VerifyChainRequest(parent="tenants/acme"))
    assert (verdict.valid, verdict.entries_checked) == (True, 7)


async def test_bad_batches_are_invalid_argument_naming_the_field_and_append_nothing(
        stub: pb_grpc.AuditServiceStub) -> None:
    def batch(*requests: pb.CreateAuditEntryRequest) -> pb.BatchCreateAuditEntriesRequest:
        return pb.BatchCreateAuditEntriesRequest(parent="tenants/acme", requests=requests)

    ok = pb.CreateAuditEntryRequest(audit_entry=_entry())
    cases = {
        "requests": batch(*[ok] * 501),
        "requests[1].parent": batch(ok, pb.CreateAuditEntryRequest(
            parent="tenants/globex", audit_entry=_entry())),
        "requests[2].audit_entry.actor": batch(ok, ok, pb.CreateAuditEntryRequest(
            audit_entry=_entry(actor="x" * 257))),
        "requests[1].audit_entry_id": batch(
            pb.CreateAuditEntryRequest(audit_entry_id="same", audit_entry=_entry()),
            pb.CreateAuditEntryRequest(audit_entry_id="same", audit_entry=_entry())),
    }
    for field, request in cases.items():
        with pytest.raises(grpc.aio.AioRpcError) as bad:
            await stub.BatchCreateAuditEntries(request)
        assert bad.value.code() == grpc.StatusCode.INVALID_ARGUMENT, field
        assert field in _violations(bad.value)
    with pytest.raises(grpc.aio.AioRpcError) as empty:
        await stub.BatchCreateAuditEntries(batch())
    assert _violations(empty.value) == ["requests"]
    with pytest.raises(grpc.aio.AioRpcError) as no_parent:
        await stub.CreateAuditEntry(pb.CreateAuditEntryRequest(audit_entry=_entry()))
    assert _violations(no_parent.value) == ["parent"]

    await stub.BatchCreateAuditEntries(batch(pb.CreateAuditEntryRequest(
        audit_entry_id="taken", audit_entry=_entry())))
    with pytest.raises(grpc.aio.AioRpcError) as taken:
        await stub.BatchCreateAuditEntries(batch(ok, pb.CreateAuditEntryRequest(
            audit_entry_id="taken", audit_entry=_entry("mallory"))))
    assert taken.value.code() == grpc.StatusCode.ALREADY_EXISTS
    verdict = await stub.VerifyChain(pb.VerifyChainRequest(parent="tenants/acme"))
    assert (verdict.valid, verdict.entries_checked) == (True, 1)


async def test_batch_of_500_is_accepted(stub: pb_grpc.AuditServiceStub) -> None:
    response = await stub.BatchCreateAuditEntries(pb.BatchCreateAuditEntriesRequest(
        parent="tenants/acme",
        requests=[pb.CreateAuditEntryRequest(audit_entry=_entry())] * 500))
    assert [e.sequence for e in response.audit_entries] == list(range(1, 501))
    verdict = await stub.VerifyChain(pb.VerifyChainRequest(parent="tenants/acme"))
    assert (verdict.valid, verdict.entries_checked) == (True, 500)


async def test_retention_policy_is_updated_with_etags(stub: pb_grpc.AuditServiceStub) -> None:
    name = "tenants/acme/retentionPolicy"
    updated = (await stub.UpdateRetentionPolicy(pb.UpdateRetentionPolicyRequest(
        retention_policy=retention_policy_pb2.RetentionPolicy(
            name=name, retain=duration_pb2.Duration(seconds=30 * 86400))))).retention_policy
    assert updated.retain.seconds == 30 * 86400 and updated.etag
    assert updated.HasField("update_time")
    got = (await stub.GetRetentionPolicy(pb.GetRetentionPolicyRequest(name=name)))
    assert got.retention_policy == updated

    stale = retention_policy_pb2.RetentionPolicy(
        name=name, retain=duration_pb2.Duration(seconds=7 * 86400), etag="stale")
    with pytest.raises(grpc.aio.AioRpcError) as aborted:
        await stub.UpdateRetentionPolicy(pb.UpdateRetentionPolicyRequest(
            retention_policy=stale, update_mask=field_mask_pb2.FieldMask(paths=["retain"])))
    assert aborted.value.code() == grpc.StatusCode.ABORTED
    stale.etag = updated.etag
    again = (await stub.UpdateRetentionPolicy(pb.UpdateRetentionPolicyRequest(
        retention_policy=stale))).retention_policy
    assert again.retain.seconds == 7 * 86400 and again.etag != updated.etag

    with pytest.raises(grpc.aio.AioRpcError) as short:
        await stub.UpdateRetentionPolicy(pb.UpdateRetentionPolicyRequest(
            retention_policy=retention_policy_pb2.RetentionPolicy(
                name=name, retain=duration_pb2.Duration(seconds=3600))))
    assert _violations(short.value) == ["retention_policy.retain"]
