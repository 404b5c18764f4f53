"""Conversion between the memory service's protobuf messages and its domain models."""

from __future__ import annotations

import dataclasses
import datetime as dt
from collections.abc import Sequence

from cognition.memory.v1 import lifecycle_policy_pb2, memory_job_pb2, memory_pb2, namespace_pb2
from cognition.memory.v1 import memory_service_pb2 as pb
from services.memory.core.debug import AccessSummary, Counted, Heatmap, Inspection, Read
from services.memory.core.models import (
    JobReport,
    LifecyclePolicy,
    Memory,
    MemoryJob,
    MemoryJobKind,
    MemoryJobState,
    MemoryKind,
    Namespace,
    NamespaceKind,
    RankingWeights,
)
from services.memory.core.search import Found
from services.memory.core.vectors import pack
from shared.errors import InvalidArgument
from shared.proto.fields import (
    datetime_of,
    enum_from_proto,
    enum_to_proto,
    masked_changes,
    timestamp,
)
from shared.resources import names
from shared.resources.filters import EnumValue, FilterSpec, MapEntry, RepeatedText, Text
from shared.rpc.standard_methods import StandardResource

COLLECTION = "memories"
NAMESPACES = "namespaces"
POLICIES = "lifecyclePolicies"
JOBS = "memoryJobs"
POLICY_DURATIONS = ("ttl", "archive_after", "summarize_after")

# The fields of ListMemories' filter, as its contract documents them.
MEMORY_FILTER = FilterSpec(namespace=Text(),
                           kind=EnumValue(memory_pb2.MemoryKind, MemoryKind),
                           metadata=MapEntry())
# SearchMemories' filter: ListMemories' fields and the memory's tags.
SEARCH_FILTER = FilterSpec(namespace=Text(),
                           kind=EnumValue(memory_pb2.MemoryKind, MemoryKind),
                           metadata=MapEntry(), tags=RepeatedText())


def memory_to_proto(memory: Memory) -> memory_pb2.Memory:
    return memory_pb2.Memory(
        name=names.format_name(memory.tenant, COLLECTION, memory.id),
        namespace=memory.namespace,
        content=memory.content,
        kind=enum_to_proto(memory_pb2.MemoryKind, memory.kind),
        importance=memory.importance,
        metadata=memory.metadata,
        expire_time=timestamp(memory.expire_time),
        create_time=timestamp(memory.create_time),
        update_time=timestamp(memory.update_time),
        etag=memory.etag,
        tags=memory.tags,
        source=memory_pb2.MemorySource(agent=memory.source_agent, goal=memory.source_goal,
                                       task=memory.source_task),
        access_count=memory.access_count,
        access_time=timestamp(memory.access_time),
        version=memory.version,
        state=enum_to_proto(memory_pb2.MemoryState, memory.state),
        embedding_model=memory.embedding_model,
        embedding_dimensions=memory.embedding_dimensions,
        merged_from=[names.format_name(memory.tenant, COLLECTION, m) for m in memory.merged_from],
        merged_into=(names.format_name(memory.tenant, COLLECTION, memory.merged_into)
                     if memory.merged_into else ""),
    )


def read_to_proto(read: Read) -> pb.MemoryRead:
    return pb.MemoryRead(memory=names.format_name(read.tenant, COLLECTION, read.memory_id),
                         principal=read.principal, read_time=timestamp(read.time))


def inspection_to_proto(inspection: Inspection) -> pb.InspectMemoryResponse:
    return pb.InspectMemoryResponse(
        memory=memory_to_proto(inspection.memory),
        neighbours=[found_to_proto(f) for f in inspection.neighbours],
        vector_norm=inspection.vector_norm,
        reads=[read_to_proto(r) for r in inspection.reads])


def summary_to_proto(tenant: str, summary: AccessSummary) -> pb.SummarizeMemoryAccessResponse:
    def counted(items: list[Counted], as_name: bool = False) -> list[pb.AccessCount]:
        return [pb.AccessCount(key=names.format_name(tenant, COLLECTION, c.key) if as_name
                               else c.key, reads=c.reads) for c in items]

    return pb.SummarizeMemoryAccessResponse(
        reads=summary.reads, namespaces=counted(summary.namespaces),
        memories=counted(summary.memories, as_name=True), readers=counted(summary.readers),
        unread_memories=summary.unread_memories)


def heatmap_to_proto(heatmap: Heatmap) -> pb.GetMemoryHeatmapResponse:
    return pb.GetMemoryHeatmapResponse(
        buckets=[stamp for b in heatmap.buckets if (stamp := timestamp(b)) is not None],
        rows=[pb.HeatmapRow(namespace=n, reads=r) for n, r in heatmap.rows.items()])


def found_to_proto(found: Found) -> pb.SearchResult:
    return pb.SearchResult(memory=memory_to_proto(found.memory), score=found.score,
                           similarity=found.similarity)


def kind_from_proto(value: int) -> MemoryKind:
    """Proto kind to domain; UNSPECIFIED means EPISODIC."""
    return enum_from_proto(memory_pb2.MemoryKind, value, MemoryKind, MemoryKind.EPISODIC)


def new_memory(tenant: str, memory_id: str, message: memory_pb2.Memory) -> Memory:
    """The domain memory to store from a CreateMemory request's memory."""
    return Memory(
        tenant=tenant,
        id=memory_id,
        namespace=message.namespace,
        content=message.content,
        kind=kind_from_proto(message.kind),
        importance=message.importance,
        metadata=dict(message.metadata),
        expire_time=datetime_of(message.expire_time, message.HasField("expire_time")),
        tags=list(message.tags),
        source_agent=message.source.agent,
        source_goal=message.source.goal,
        source_task=message.source.task,
        # The caller's embedding, if any: a vector without a model until the service takes it.
        vector=pack(message.embedding) if message.embedding else b"",
    )


def memory_changes(message: memory_pb2.Memory, paths: set[str]) -> dict[str, object]:
    """The domain field values an UpdateMemory request sets, for the masked paths."""
    return masked_changes(paths, {
        "content": lambda: message.content,
        "kind": lambda: kind_from_proto(message.kind),
        "importance": lambda: message.importance,
        "metadata": lambda: dict(message.metadata),
        "expire_time": lambda: datetime_of(message.expire_time, message.HasField("expire_time")),
        "tags": lambda: list(message.tags),
    })


def ranking_from_proto(message: namespace_pb2.RankingWeights) -> RankingWeights | None:
    """The weights a message sets, or None when it sets none."""
    if not (message.similarity or message.recency or message.importance or message.frequency):
        return None
    half_life = (message.recency_half_life.ToTimedelta()
                 if message.HasField("recency_half_life") else None)
    weights = RankingWeights(message.similarity, message.recency, message.importance,
                             message.frequency)
    return dataclasses.replace(weights, recency_half_life=half_life) if half_life else weights


def ranking_to_proto(stored: dict[str, float]) -> namespace_pb2.RankingWeights | None:
    if not stored:
        return None
    weights = RankingWeights.of(stored)
    message = namespace_pb2.RankingWeights(
        similarity=weights.similarity, recency=weights.recency,
        importance=weights.importance, frequency=weights.frequency)
    message.recency_half_life.FromTimedelta(weights.recency_half_life)
    return message


def namespace_to_proto(namespace: Namespace) -> namespace_pb2.Namespace:
    return namespace_pb2.Namespace(
        name=names.format_name(namespace.tenant, NAMESPACES, namespace.id),
        display_name=namespace.display_name,
        readers=namespace.readers,
        writers=namespace.writers,
        admins=namespace.admins,
        lifecycle_policy=namespace.lifecycle_policy,
        create_time=timestamp(namespace.create_time),
        update_time=timestamp(namespace.update_time),
        kind=enum_to_proto(namespace_pb2.NamespaceKind, namespace.kind),
        max_memories=namespace.max_memories,
        max_bytes=namespace.max_bytes,
        ranking=ranking_to_proto(namespace.ranking),
        etag=namespace.etag,
    )


def _stored_ranking(message: namespace_pb2.Namespace) -> dict[str, float]:
    weights = ranking_from_proto(message.ranking)
    return weights.stored() if weights else {}


def new_namespace(tenant: str, namespace_id: str,
                  message: namespace_pb2.Namespace) -> Namespace:
    """The domain namespace to create from a CreateNamespace request's namespace."""
    return Namespace(
        tenant=tenant,
        id=namespace_id,
        display_name=message.display_name,
        readers=list(message.readers),
        writers=list(message.writers),
        admins=list(message.admins),
        lifecycle_policy=message.lifecycle_policy,
        kind=enum_from_proto(namespace_pb2.NamespaceKind, message.kind, NamespaceKind,
                             NamespaceKind.SHARED),
        max_memories=message.max_memories,
        max_bytes=message.max_bytes,
        ranking=_stored_ranking(message),
    )


def namespace_changes(message: namespace_pb2.Namespace, paths: set[str]) -> dict[str, object]:
    """The domain field values an UpdateNamespace request sets, for the masked paths."""
    return masked_changes(paths, {
        "display_name": lambda: message.display_name,
        "readers": lambda: list(message.readers),
        "writers": lambda: list(message.writers),
        "admins": lambda: list(message.admins),
        "lifecycle_policy": lambda: message.lifecycle_policy,
        "max_memories": lambda: message.max_memories,
        "max_bytes": lambda: message.max_bytes,
        "ranking": lambda: _stored_ranking(message),
    })


def _namespace_id(requested: str, field: str) -> str:
    # Namespace ids may hold '.' and '_' (the contract's pattern, already validated), which
    # names.choose_id would refuse.
    return requested or names.new_id()


def _duration(message: lifecycle_policy_pb2.LifecyclePolicy, field: str) -> dt.timedelta | None:
    return getattr(message, field).ToTimedelta() if message.HasField(field) else None


def policy_to_proto(policy: LifecyclePolicy) -> lifecycle_policy_pb2.LifecyclePolicy:
    message = lifecycle_policy_pb2.LifecyclePolicy(
        name=names.format_name(policy.tenant, POLICIES, policy.id),
        max_memories=policy.max_memories, decay=policy.decay,
        min_importance=policy.min_importance, merge_similarity=policy.merge_similarity,
        create_time=timestamp(policy.create_time), update_time=timestamp(policy.update_time),
        etag=policy.etag)
    for field in POLICY_DURATIONS:
        value: dt.timedelta | None = getattr(policy, field)
        if value is not None:
            getattr(message, field).FromTimedelta(value)
    return message


def new_policy(tenant: str, policy_id: str,
               message: lifecycle_policy_pb2.LifecyclePolicy) -> LifecyclePolicy:
    """The domain policy to create from a CreateLifecyclePolicy request's policy."""
    return LifecyclePolicy(
        tenant=tenant, id=policy_id, ttl=_duration(message, "ttl"),
        max_memories=message.max_memories, decay=message.decay,
        min_importance=message.min_importance,
        archive_after=_duration(message, "archive_after"),
        summarize_after=_duration(message, "summarize_after"),
        merge_similarity=message.merge_similarity)


def policy_changes(message: lifecycle_policy_pb2.LifecyclePolicy,
                   paths: set[str]) -> dict[str, object]:
    """The domain field values an UpdateLifecyclePolicy request sets, for the masked paths."""
    return masked_changes(paths, {
        "ttl": lambda: _duration(message, "ttl"),
        "max_memories": lambda: message.max_memories,
        "decay": lambda: message.decay,
        "min_importance": lambda: message.min_importance,
        "archive_after": lambda: _duration(message, "archive_after"),
        "summarize_after": lambda: _duration(message, "summarize_after"),
        "merge_similarity": lambda: message.merge_similarity,
    })


def report_to_proto(tenant: str, report: JobReport) -> memory_job_pb2.MemoryJobReport:
    def named(ids: Sequence[str]) -> list[str]:
        return [names.format_name(tenant, COLLECTION, i) for i in ids]

    return memory_job_pb2.MemoryJobReport(
        examined=report.examined, deleted=named(report.deleted),
        archived=named(report.archived), created=named(report.created),
        merges=[memory_job_pb2.MemoryMerge(into=names.format_name(tenant, COLLECTION, m.into),
                                           **{"from": named(m.merged)})
                for m in report.merges],
        reembedded=report.reembedded)


def memory_job_to_proto(job: MemoryJob) -> memory_job_pb2.MemoryJob:
    return memory_job_pb2.MemoryJob(
        name=names.format_name(job.tenant, JOBS, job.id),
        kind=enum_to_proto(memory_job_pb2.MemoryJobKind, job.kind),
        namespace=job.namespace, dry_run=job.dry_run,
        state=enum_to_proto(memory_job_pb2.MemoryJobState, job.state),
        report=report_to_proto(job.tenant, job.report), error=job.error,
        create_time=timestamp(job.create_time), update_time=timestamp(job.update_time),
        end_time=timestamp(job.end_time), scheduled=job.scheduled)


def new_memory_job(tenant: str, job_id: str, message: memory_job_pb2.MemoryJob) -> MemoryJob:
    """The job a RunMemoryJob request asks for.

    Raises:
        InvalidArgument: It names no kind.
    """
    if not message.kind:
        raise InvalidArgument.for_field("memory_job.kind", "is required")
    return MemoryJob(
        tenant=tenant, id=job_id, namespace=message.namespace, dry_run=message.dry_run,
        kind=enum_from_proto(memory_job_pb2.MemoryJobKind, message.kind, MemoryJobKind,
                             MemoryJobKind.GC),
        state=MemoryJobState.RUNNING)


MEMORIES = StandardResource(pb, "Memory", "Memories", COLLECTION, to_proto=memory_to_proto,
                            from_proto=new_memory, changes=memory_changes, filter=MEMORY_FILTER)
NAMESPACE_RESOURCE = StandardResource(pb, "Namespace", "Namespaces", NAMESPACES,
                                      to_proto=namespace_to_proto, from_proto=new_namespace,
                                      changes=namespace_changes, choose_id=_namespace_id)
LIFECYCLE_POLICIES = StandardResource(pb, "LifecyclePolicy", "LifecyclePolicies", POLICIES,
                                      to_proto=policy_to_proto, from_proto=new_policy,
                                      changes=policy_changes)
MEMORY_JOBS = StandardResource(pb, "MemoryJob", "MemoryJobs", JOBS,
                               to_proto=memory_job_to_proto)
