"""Conversion between the explainability service's protobuf messages and its domain models,
and of the audit-log's entries it reads."""

from __future__ import annotations

import datetime as dt

from cognition.audit.v1 import audit_entry_pb2, audit_service_pb2
from cognition.explain.v1 import explain_service_pb2 as pb
from cognition.explain.v1 import explanation_pb2
from services.explainability.core.models import (
    AuditRecord,
    Evidence,
    Explanation,
    ExplanationState,
)
from shared.proto.fields import enum_to_proto, timestamp
from shared.resources import names
from shared.resources.filters import EnumValue, FilterSpec, Text
from shared.rpc.standard_methods import StandardResource

COLLECTION = "explanations"

# The fields of ListExplanations' filter, as its contract documents them.
EXPLANATION_FILTER = FilterSpec(
    subject=Text(), state=EnumValue(explanation_pb2.ExplanationState, ExplanationState))


def evidence_to_proto(evidence: Evidence) -> explanation_pb2.Evidence:
    return explanation_pb2.Evidence(
        kind=enum_to_proto(explanation_pb2.EvidenceKind, evidence.kind),
        source=evidence.source,
        summary=evidence.summary,
        time=timestamp(evidence.time),
    )


def explanation_to_proto(explanation: Explanation) -> explanation_pb2.Explanation:
    return explanation_pb2.Explanation(
        name=names.format_name(explanation.tenant, COLLECTION, explanation.id),
        subject=explanation.subject,
        question=explanation.question,
        state=enum_to_proto(explanation_pb2.ExplanationState, explanation.state),
        answer=explanation.answer,
        evidence=[evidence_to_proto(e) for e in explanation.evidence],
        trace_id=explanation.trace_id,
        create_time=timestamp(explanation.create_time),
        update_time=timestamp(explanation.update_time),
    )


def new_explanation(tenant: str, explanation_id: str,
                    message: explanation_pb2.Explanation) -> Explanation:
    """The domain explanation to create from a CreateExplanation request's explanation."""
    return Explanation(tenant=tenant, id=explanation_id, subject=message.subject,
                       question=message.question)


EXPLANATIONS = StandardResource(pb, "Explanation", "Explanations", COLLECTION,
                               to_proto=explanation_to_proto, from_proto=new_explanation,
                               filter=EXPLANATION_FILTER)


def audit_query(tenant: str, subject: str, page_token: str,
                page_size: int) -> audit_service_pb2.ListAuditEntriesRequest:
    """The ListAuditEntries request for one page of the entries about ``subject``."""
    return audit_service_pb2.ListAuditEntriesRequest(
        parent=f"tenants/{tenant}", resource=subject, page_token=page_token,
        page_size=page_size)


def audit_record(entry: audit_entry_pb2.AuditEntry) -> AuditRecord:
    return AuditRecord(
        name=entry.name,
        actor=entry.actor,
        action=entry.action,
        resource=entry.resource,
        outcome=audit_entry_pb2.Outcome.Name(entry.outcome).removeprefix("OUTCOME_"),
        trace_id=entry.trace_id,
        time=entry.create_time.ToDatetime(tzinfo=dt.UTC),
    )
