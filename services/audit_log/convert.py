"""Conversion between the audit-log's protobuf messages and its domain models."""

from __future__ import annotations

from cognition.audit.v1 import audit_entry_pb2
from cognition.audit.v1 import audit_service_pb2 as pb
from services.audit_log.core.models import AuditEntry, AuditQuery, ChainVerdict, Outcome
from shared import names
from shared.errors import InvalidArgument
from shared.protos import datetime_of, enum_from_proto, enum_to_proto, timestamp

COLLECTION = "auditEntries"


def entry_to_proto(entry: AuditEntry) -> audit_entry_pb2.AuditEntry:
    return audit_entry_pb2.AuditEntry(
        name=names.format_name(entry.tenant, COLLECTION, entry.id),
        actor=entry.actor,
        action=entry.action,
        resource=entry.resource,
        outcome=enum_to_proto(audit_entry_pb2.Outcome, entry.outcome),
        trace_id=entry.trace_id,
        payload_digest=entry.payload_digest,
        sequence=entry.sequence,
        previous_hash=entry.previous_hash,
        hash=entry.hash,
        create_time=timestamp(entry.create_time),
    )


def new_entry(tenant: str, entry_id: str, message: audit_entry_pb2.AuditEntry) -> AuditEntry:
    """The domain entry to append from a CreateAuditEntry request's entry (its output-only
    fields are ignored: the log assigns them)."""
    return AuditEntry(
        tenant=tenant,
        id=entry_id,
        actor=message.actor,
        action=message.action,
        resource=message.resource,
        # protovalidate has already refused OUTCOME_UNSPECIFIED.
        outcome=enum_from_proto(audit_entry_pb2.Outcome, message.outcome, Outcome,
                                Outcome.SUCCESS),
        trace_id=message.trace_id,
        payload_digest=message.payload_digest,
    )


def audit_query(request: pb.ListAuditEntriesRequest) -> AuditQuery:
    """The explicit filters of a ListAuditEntries request.

    Raises:
        InvalidArgument: ``filter`` is set (not supported yet) or end_time is not after
            start_time.
    """
    if request.filter:
        raise InvalidArgument.for_field(
            "filter", "filter expressions are not supported yet; use resource, actor, trace_id, "
            "start_time and end_time")
    start = datetime_of(request.start_time, request.HasField("start_time"))
    end = datetime_of(request.end_time, request.HasField("end_time"))
    if start is not None and end is not None and end <= start:
        raise InvalidArgument.for_field("end_time", "must be after start_time")
    return AuditQuery(resource=request.resource, actor=request.actor, trace_id=request.trace_id,
                      start_time=start, end_time=end)


def verdict_to_proto(tenant: str, verdict: ChainVerdict) -> pb.VerifyChainResponse:
    return pb.VerifyChainResponse(
        valid=verdict.valid,
        entries_checked=verdict.entries_checked,
        first_bad_entry=(names.format_name(tenant, COLLECTION, verdict.first_bad)
                         if verdict.first_bad else ""),
        reason=verdict.reason,
    )
