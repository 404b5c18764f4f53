"""Conversion between the audit-log's protobuf messages and its domain models."""

from __future__ import annotations

import datetime as dt

from google.protobuf import duration_pb2

from cognition.audit.v1 import audit_entry_pb2, retention_policy_pb2
from cognition.audit.v1 import audit_service_pb2 as pb
from services.audit_log.core.models import (
    AuditEntry,
    AuditQuery,
    ChainVerdict,
    Outcome,
    RetentionPolicy,
)
from shared.errors import InvalidArgument
from shared.proto.fields import datetime_of, enum_from_proto, enum_to_proto, timestamp
from shared.resources import names
from shared.resources.filters import EnumValue, FilterSpec, Text
from shared.rpc.standard_methods import StandardResource

COLLECTION = "auditEntries"
POLICY = "retentionPolicy"

# The fields of ListAuditEntries' filter, as its contract documents them.
AUDIT_ENTRY_FILTER = FilterSpec(actor=Text(), action=Text(), resource=Text(),
                                outcome=EnumValue(audit_entry_pb2.Outcome, Outcome),
                                trace_id=Text())


def entry_to_proto(entry: AuditEntry) -> audit_entry_pb2.AuditEntry:
    return audit_entry_pb2.AuditEntry(
        name=names.format_name(entry.tenant, COLLECTION, entry.id),
        actor=entry.actor,
        action=entry.action,
        resource=entry.resource,
        outcome=enum_to_proto(audit_entry_pb2.Outcome, entry.outcome),
        trace_id=entry.trace_id,
        payload_digest=entry.payload_digest,
        on_behalf_of=entry.on_behalf_of,
        recorded_by=entry.recorded_by,
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
        on_behalf_of=message.on_behalf_of,
    )


def batch_entries(tenant: str, request: pb.BatchCreateAuditEntriesRequest) -> list[AuditEntry]:
    """The domain entries of a BatchCreateAuditEntries request, in order.

    Raises:
        InvalidArgument: A request's parent is neither empty nor the batch's parent, or its
            audit_entry_id is malformed.
    """
    entries = []
    for i, child in enumerate(request.requests):
        if child.parent and child.parent != request.parent:
            raise InvalidArgument.for_field(f"requests[{i}].parent",
                                            f"must be empty or {request.parent}")
        entry_id = names.choose_id(child.audit_entry_id, f"requests[{i}].audit_entry_id")
        entries.append(new_entry(tenant, entry_id, child.audit_entry))
    return entries


AUDIT_ENTRIES = StandardResource(pb, "AuditEntry", "AuditEntries", COLLECTION,
                                 to_proto=entry_to_proto)


def audit_query(tenant: str, request: pb.ListAuditEntriesRequest) -> AuditQuery:
    """What a ListAuditEntries request selects: its explicit filters and ``filter``.

    Raises:
        InvalidArgument: ``filter`` is not of the documented terms, or end_time is not after
            start_time.
    """
    matching = AUDIT_ENTRY_FILTER.parse(request.filter, tenant)
    start = datetime_of(request.start_time, request.HasField("start_time"))
    end = datetime_of(request.end_time, request.HasField("end_time"))
    if start is not None and end is not None and end <= start:
        raise InvalidArgument.for_field("end_time", "must be after start_time")
    return AuditQuery(resource=request.resource, actor=request.actor, trace_id=request.trace_id,
                      start_time=start, end_time=end, matching=matching)


def verdict_to_proto(tenant: str, verdict: ChainVerdict) -> pb.VerifyChainResponse:
    return pb.VerifyChainResponse(
        valid=verdict.valid,
        entries_checked=verdict.entries_checked,
        first_bad_entry=(names.format_name(tenant, COLLECTION, verdict.first_bad)
                         if verdict.first_bad else ""),
        reason=verdict.reason,
    )


def policy_tenant(name: str, field: str) -> str:
    """``tenants/acme/retentionPolicy`` -> ``acme``, checking the caller may use that tenant.

    Raises:
        InvalidArgument: ``name`` is not a retention policy name.
        NotFound: The caller belongs to another tenant.
    """
    parts = name.split("/")
    if len(parts) != 3 or parts[0] != "tenants" or not parts[1] or parts[2] != POLICY:
        raise InvalidArgument.for_field(field, f"must look like tenants/{{tenant}}/{POLICY}")
    names.check_tenant_access(parts[1])
    return parts[1]


def policy_to_proto(policy: RetentionPolicy) -> retention_policy_pb2.RetentionPolicy:
    message = retention_policy_pb2.RetentionPolicy(name=f"tenants/{policy.tenant}/{POLICY}",
                                                   etag=policy.etag)
    if policy.retain is not None:
        message.retain.CopyFrom(duration(policy.retain))
    if policy.etag:  # stored, not the default
        message.update_time.FromDatetime(policy.update_time)
    return message


def duration(value: dt.timedelta) -> duration_pb2.Duration:
    message = duration_pb2.Duration()
    message.FromTimedelta(value)
    return message
