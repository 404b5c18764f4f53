"""gRPC servicer of cognition.audit.v1.AuditService: proto in, domain call, proto out."""

from __future__ import annotations

import grpc

from cognition.audit.v1 import audit_service_pb2 as pb
from cognition.audit.v1 import audit_service_pb2_grpc as pb_grpc
from services.audit_log import convert
from services.audit_log.convert import AUDIT_ENTRIES
from services.audit_log.core.attribution import Writer, attributed
from services.audit_log.core.log import AuditLog
from services.audit_log.core.retention import RetentionPolicies
from shared import context as call_context
from shared.database import PageRequest
from shared.proto.fields import mask_paths
from shared.resources import names
from shared.rpc.standard_methods import standard_methods


class AuditServicer(pb_grpc.AuditServiceServicer):
    """Audit entries, chain verification and retention policies."""

    # Only Get is standard: an entry is appended to its tenant's chain with its writer, and
    # a List takes more fields than the filter.
    (GetAuditEntry,) = standard_methods(AUDIT_ENTRIES, "_log", "get")

    def __init__(self, log: AuditLog, policies: RetentionPolicies) -> None:
        self._log = log
        self._policies = policies

    async def CreateAuditEntry(self, request: pb.CreateAuditEntryRequest,
                               context: grpc.aio.ServicerContext) -> pb.CreateAuditEntryResponse:
        tenant = names.parse_parent(request.parent)
        entry_id = names.choose_id(request.audit_entry_id, "audit_entry_id")
        entry = attributed(convert.new_entry(tenant, entry_id, request.audit_entry), _writer())
        entry = await self._log.append(entry)
        return pb.CreateAuditEntryResponse(audit_entry=convert.entry_to_proto(entry))

    async def BatchCreateAuditEntries(
            self, request: pb.BatchCreateAuditEntriesRequest,
            context: grpc.aio.ServicerContext) -> pb.BatchCreateAuditEntriesResponse:
        tenant = names.parse_parent(request.parent)
        writer = _writer()
        entries = [attributed(entry, writer, f"requests[{i}].audit_entry")
                   for i, entry in enumerate(convert.batch_entries(tenant, request))]
        entries = await self._log.append_batch(tenant, entries)
        return pb.BatchCreateAuditEntriesResponse(
            audit_entries=[convert.entry_to_proto(e) for e in entries])

    async def ListAuditEntries(self, request: pb.ListAuditEntriesRequest,
                               context: grpc.aio.ServicerContext) -> pb.ListAuditEntriesResponse:
        tenant = names.parse_parent(request.parent)
        query = convert.audit_query(tenant, request)
        page = await self._log.list(tenant, query,
                                    PageRequest.of(request.page_size, request.page_token))
        return pb.ListAuditEntriesResponse(
            audit_entries=[convert.entry_to_proto(e) for e in page.items],
            next_page_token=page.next_page_token)

    async def VerifyChain(self, request: pb.VerifyChainRequest,
                          context: grpc.aio.ServicerContext) -> pb.VerifyChainResponse:
        tenant = names.parse_parent(request.parent)
        return convert.verdict_to_proto(tenant, await self._log.verify(tenant))

    async def GetRetentionPolicy(
            self, request: pb.GetRetentionPolicyRequest,
            context: grpc.aio.ServicerContext) -> pb.GetRetentionPolicyResponse:
        tenant = convert.policy_tenant(request.name, "name")
        policy = await self._policies.get(tenant)
        return pb.GetRetentionPolicyResponse(retention_policy=convert.policy_to_proto(policy))

    async def UpdateRetentionPolicy(
            self, request: pb.UpdateRetentionPolicyRequest,
            context: grpc.aio.ServicerContext) -> pb.UpdateRetentionPolicyResponse:
        tenant = convert.policy_tenant(request.retention_policy.name, "retention_policy.name")
        mask_paths(request.update_mask, ("retain",))  # the only field: empty or ["retain"]
        policy = await self._policies.update(tenant, request.retention_policy.retain.ToTimedelta(),
                                             request.retention_policy.etag)
        return pb.UpdateRetentionPolicyResponse(retention_policy=convert.policy_to_proto(policy))


def _writer() -> Writer:
    caller = call_context.current()
    return Writer(caller.subject, caller.is_service)
