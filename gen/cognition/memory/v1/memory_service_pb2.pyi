import datetime

from buf.validate import validate_pb2 as _validate_pb2
from cognition.memory.v1 import lifecycle_policy_pb2 as _lifecycle_policy_pb2
from cognition.memory.v1 import memory_pb2 as _memory_pb2
from cognition.memory.v1 import memory_job_pb2 as _memory_job_pb2
from cognition.memory.v1 import namespace_pb2 as _namespace_pb2
from cognition.options.v1 import access_pb2 as _access_pb2
from google.api import annotations_pb2 as _annotations_pb2
from google.api import client_pb2 as _client_pb2
from google.api import field_behavior_pb2 as _field_behavior_pb2
from google.protobuf import duration_pb2 as _duration_pb2
from google.protobuf import field_mask_pb2 as _field_mask_pb2
from google.protobuf import timestamp_pb2 as _timestamp_pb2
from google.protobuf.internal import containers as _containers
from google.protobuf import descriptor as _descriptor
from google.protobuf import message as _message
from collections.abc import Iterable as _Iterable, Mapping as _Mapping
from typing import ClassVar as _ClassVar, Optional as _Optional, Union as _Union

DESCRIPTOR: _descriptor.FileDescriptor

class CreateMemoryRequest(_message.Message):
    __slots__ = ("parent", "memory", "memory_id", "request_id")
    PARENT_FIELD_NUMBER: _ClassVar[int]
    MEMORY_FIELD_NUMBER: _ClassVar[int]
    MEMORY_ID_FIELD_NUMBER: _ClassVar[int]
    REQUEST_ID_FIELD_NUMBER: _ClassVar[int]
    parent: str
    memory: _memory_pb2.Memory
    memory_id: str
    request_id: str
    def __init__(self, parent: _Optional[str] = ..., memory: _Optional[_Union[_memory_pb2.Memory, _Mapping]] = ..., memory_id: _Optional[str] = ..., request_id: _Optional[str] = ...) -> None: ...

class CreateMemoryResponse(_message.Message):
    __slots__ = ("memory",)
    MEMORY_FIELD_NUMBER: _ClassVar[int]
    memory: _memory_pb2.Memory
    def __init__(self, memory: _Optional[_Union[_memory_pb2.Memory, _Mapping]] = ...) -> None: ...

class GetMemoryRequest(_message.Message):
    __slots__ = ("name",)
    NAME_FIELD_NUMBER: _ClassVar[int]
    name: str
    def __init__(self, name: _Optional[str] = ...) -> None: ...

class GetMemoryResponse(_message.Message):
    __slots__ = ("memory",)
    MEMORY_FIELD_NUMBER: _ClassVar[int]
    memory: _memory_pb2.Memory
    def __init__(self, memory: _Optional[_Union[_memory_pb2.Memory, _Mapping]] = ...) -> None: ...

class ListMemoriesRequest(_message.Message):
    __slots__ = ("parent", "page_size", "page_token", "filter")
    PARENT_FIELD_NUMBER: _ClassVar[int]
    PAGE_SIZE_FIELD_NUMBER: _ClassVar[int]
    PAGE_TOKEN_FIELD_NUMBER: _ClassVar[int]
    FILTER_FIELD_NUMBER: _ClassVar[int]
    parent: str
    page_size: int
    page_token: str
    filter: str
    def __init__(self, parent: _Optional[str] = ..., page_size: _Optional[int] = ..., page_token: _Optional[str] = ..., filter: _Optional[str] = ...) -> None: ...

class ListMemoriesResponse(_message.Message):
    __slots__ = ("memories", "next_page_token")
    MEMORIES_FIELD_NUMBER: _ClassVar[int]
    NEXT_PAGE_TOKEN_FIELD_NUMBER: _ClassVar[int]
    memories: _containers.RepeatedCompositeFieldContainer[_memory_pb2.Memory]
    next_page_token: str
    def __init__(self, memories: _Optional[_Iterable[_Union[_memory_pb2.Memory, _Mapping]]] = ..., next_page_token: _Optional[str] = ...) -> None: ...

class UpdateMemoryRequest(_message.Message):
    __slots__ = ("memory", "update_mask", "request_id")
    MEMORY_FIELD_NUMBER: _ClassVar[int]
    UPDATE_MASK_FIELD_NUMBER: _ClassVar[int]
    REQUEST_ID_FIELD_NUMBER: _ClassVar[int]
    memory: _memory_pb2.Memory
    update_mask: _field_mask_pb2.FieldMask
    request_id: str
    def __init__(self, memory: _Optional[_Union[_memory_pb2.Memory, _Mapping]] = ..., update_mask: _Optional[_Union[_field_mask_pb2.FieldMask, _Mapping]] = ..., request_id: _Optional[str] = ...) -> None: ...

class UpdateMemoryResponse(_message.Message):
    __slots__ = ("memory",)
    MEMORY_FIELD_NUMBER: _ClassVar[int]
    memory: _memory_pb2.Memory
    def __init__(self, memory: _Optional[_Union[_memory_pb2.Memory, _Mapping]] = ...) -> None: ...

class DeleteMemoryRequest(_message.Message):
    __slots__ = ("name", "request_id")
    NAME_FIELD_NUMBER: _ClassVar[int]
    REQUEST_ID_FIELD_NUMBER: _ClassVar[int]
    name: str
    request_id: str
    def __init__(self, name: _Optional[str] = ..., request_id: _Optional[str] = ...) -> None: ...

class DeleteMemoryResponse(_message.Message):
    __slots__ = ()
    def __init__(self) -> None: ...

class SearchMemoriesRequest(_message.Message):
    __slots__ = ("parent", "namespace", "query", "top_k", "min_score", "namespaces", "filter", "diversity", "top_k_per_namespace", "agent", "ranking", "query_embedding")
    PARENT_FIELD_NUMBER: _ClassVar[int]
    NAMESPACE_FIELD_NUMBER: _ClassVar[int]
    QUERY_FIELD_NUMBER: _ClassVar[int]
    TOP_K_FIELD_NUMBER: _ClassVar[int]
    MIN_SCORE_FIELD_NUMBER: _ClassVar[int]
    NAMESPACES_FIELD_NUMBER: _ClassVar[int]
    FILTER_FIELD_NUMBER: _ClassVar[int]
    DIVERSITY_FIELD_NUMBER: _ClassVar[int]
    TOP_K_PER_NAMESPACE_FIELD_NUMBER: _ClassVar[int]
    AGENT_FIELD_NUMBER: _ClassVar[int]
    RANKING_FIELD_NUMBER: _ClassVar[int]
    QUERY_EMBEDDING_FIELD_NUMBER: _ClassVar[int]
    parent: str
    namespace: str
    query: str
    top_k: int
    min_score: float
    namespaces: _containers.RepeatedScalarFieldContainer[str]
    filter: str
    diversity: float
    top_k_per_namespace: int
    agent: str
    ranking: _namespace_pb2.RankingWeights
    query_embedding: _containers.RepeatedScalarFieldContainer[float]
    def __init__(self, parent: _Optional[str] = ..., namespace: _Optional[str] = ..., query: _Optional[str] = ..., top_k: _Optional[int] = ..., min_score: _Optional[float] = ..., namespaces: _Optional[_Iterable[str]] = ..., filter: _Optional[str] = ..., diversity: _Optional[float] = ..., top_k_per_namespace: _Optional[int] = ..., agent: _Optional[str] = ..., ranking: _Optional[_Union[_namespace_pb2.RankingWeights, _Mapping]] = ..., query_embedding: _Optional[_Iterable[float]] = ...) -> None: ...

class SearchMemoriesResponse(_message.Message):
    __slots__ = ("results",)
    RESULTS_FIELD_NUMBER: _ClassVar[int]
    results: _containers.RepeatedCompositeFieldContainer[SearchResult]
    def __init__(self, results: _Optional[_Iterable[_Union[SearchResult, _Mapping]]] = ...) -> None: ...

class SearchResult(_message.Message):
    __slots__ = ("memory", "score", "similarity")
    MEMORY_FIELD_NUMBER: _ClassVar[int]
    SCORE_FIELD_NUMBER: _ClassVar[int]
    SIMILARITY_FIELD_NUMBER: _ClassVar[int]
    memory: _memory_pb2.Memory
    score: float
    similarity: float
    def __init__(self, memory: _Optional[_Union[_memory_pb2.Memory, _Mapping]] = ..., score: _Optional[float] = ..., similarity: _Optional[float] = ...) -> None: ...

class BatchCreateMemoriesRequest(_message.Message):
    __slots__ = ("parent", "requests", "request_id")
    PARENT_FIELD_NUMBER: _ClassVar[int]
    REQUESTS_FIELD_NUMBER: _ClassVar[int]
    REQUEST_ID_FIELD_NUMBER: _ClassVar[int]
    parent: str
    requests: _containers.RepeatedCompositeFieldContainer[CreateMemoryRequest]
    request_id: str
    def __init__(self, parent: _Optional[str] = ..., requests: _Optional[_Iterable[_Union[CreateMemoryRequest, _Mapping]]] = ..., request_id: _Optional[str] = ...) -> None: ...

class BatchCreateMemoriesResponse(_message.Message):
    __slots__ = ("memories",)
    MEMORIES_FIELD_NUMBER: _ClassVar[int]
    memories: _containers.RepeatedCompositeFieldContainer[_memory_pb2.Memory]
    def __init__(self, memories: _Optional[_Iterable[_Union[_memory_pb2.Memory, _Mapping]]] = ...) -> None: ...

class RetrieveContextRequest(_message.Message):
    __slots__ = ("parent", "query", "namespaces", "token_budget", "min_score", "agent")
    PARENT_FIELD_NUMBER: _ClassVar[int]
    QUERY_FIELD_NUMBER: _ClassVar[int]
    NAMESPACES_FIELD_NUMBER: _ClassVar[int]
    TOKEN_BUDGET_FIELD_NUMBER: _ClassVar[int]
    MIN_SCORE_FIELD_NUMBER: _ClassVar[int]
    AGENT_FIELD_NUMBER: _ClassVar[int]
    parent: str
    query: str
    namespaces: _containers.RepeatedScalarFieldContainer[str]
    token_budget: int
    min_score: float
    agent: str
    def __init__(self, parent: _Optional[str] = ..., query: _Optional[str] = ..., namespaces: _Optional[_Iterable[str]] = ..., token_budget: _Optional[int] = ..., min_score: _Optional[float] = ..., agent: _Optional[str] = ...) -> None: ...

class RetrieveContextResponse(_message.Message):
    __slots__ = ("results", "tokens")
    RESULTS_FIELD_NUMBER: _ClassVar[int]
    TOKENS_FIELD_NUMBER: _ClassVar[int]
    results: _containers.RepeatedCompositeFieldContainer[SearchResult]
    tokens: int
    def __init__(self, results: _Optional[_Iterable[_Union[SearchResult, _Mapping]]] = ..., tokens: _Optional[int] = ...) -> None: ...

class ArchiveMemoryRequest(_message.Message):
    __slots__ = ("name", "request_id")
    NAME_FIELD_NUMBER: _ClassVar[int]
    REQUEST_ID_FIELD_NUMBER: _ClassVar[int]
    name: str
    request_id: str
    def __init__(self, name: _Optional[str] = ..., request_id: _Optional[str] = ...) -> None: ...

class ArchiveMemoryResponse(_message.Message):
    __slots__ = ("memory",)
    MEMORY_FIELD_NUMBER: _ClassVar[int]
    memory: _memory_pb2.Memory
    def __init__(self, memory: _Optional[_Union[_memory_pb2.Memory, _Mapping]] = ...) -> None: ...

class RestoreMemoryRequest(_message.Message):
    __slots__ = ("name", "request_id")
    NAME_FIELD_NUMBER: _ClassVar[int]
    REQUEST_ID_FIELD_NUMBER: _ClassVar[int]
    name: str
    request_id: str
    def __init__(self, name: _Optional[str] = ..., request_id: _Optional[str] = ...) -> None: ...

class RestoreMemoryResponse(_message.Message):
    __slots__ = ("memory",)
    MEMORY_FIELD_NUMBER: _ClassVar[int]
    memory: _memory_pb2.Memory
    def __init__(self, memory: _Optional[_Union[_memory_pb2.Memory, _Mapping]] = ...) -> None: ...

class UpdateNamespaceRequest(_message.Message):
    __slots__ = ("namespace", "update_mask", "request_id")
    NAMESPACE_FIELD_NUMBER: _ClassVar[int]
    UPDATE_MASK_FIELD_NUMBER: _ClassVar[int]
    REQUEST_ID_FIELD_NUMBER: _ClassVar[int]
    namespace: _namespace_pb2.Namespace
    update_mask: _field_mask_pb2.FieldMask
    request_id: str
    def __init__(self, namespace: _Optional[_Union[_namespace_pb2.Namespace, _Mapping]] = ..., update_mask: _Optional[_Union[_field_mask_pb2.FieldMask, _Mapping]] = ..., request_id: _Optional[str] = ...) -> None: ...

class UpdateNamespaceResponse(_message.Message):
    __slots__ = ("namespace",)
    NAMESPACE_FIELD_NUMBER: _ClassVar[int]
    namespace: _namespace_pb2.Namespace
    def __init__(self, namespace: _Optional[_Union[_namespace_pb2.Namespace, _Mapping]] = ...) -> None: ...

class CreateNamespaceRequest(_message.Message):
    __slots__ = ("parent", "namespace", "namespace_id", "request_id")
    PARENT_FIELD_NUMBER: _ClassVar[int]
    NAMESPACE_FIELD_NUMBER: _ClassVar[int]
    NAMESPACE_ID_FIELD_NUMBER: _ClassVar[int]
    REQUEST_ID_FIELD_NUMBER: _ClassVar[int]
    parent: str
    namespace: _namespace_pb2.Namespace
    namespace_id: str
    request_id: str
    def __init__(self, parent: _Optional[str] = ..., namespace: _Optional[_Union[_namespace_pb2.Namespace, _Mapping]] = ..., namespace_id: _Optional[str] = ..., request_id: _Optional[str] = ...) -> None: ...

class CreateNamespaceResponse(_message.Message):
    __slots__ = ("namespace",)
    NAMESPACE_FIELD_NUMBER: _ClassVar[int]
    namespace: _namespace_pb2.Namespace
    def __init__(self, namespace: _Optional[_Union[_namespace_pb2.Namespace, _Mapping]] = ...) -> None: ...

class GetNamespaceRequest(_message.Message):
    __slots__ = ("name",)
    NAME_FIELD_NUMBER: _ClassVar[int]
    name: str
    def __init__(self, name: _Optional[str] = ...) -> None: ...

class GetNamespaceResponse(_message.Message):
    __slots__ = ("namespace",)
    NAMESPACE_FIELD_NUMBER: _ClassVar[int]
    namespace: _namespace_pb2.Namespace
    def __init__(self, namespace: _Optional[_Union[_namespace_pb2.Namespace, _Mapping]] = ...) -> None: ...

class ListNamespacesRequest(_message.Message):
    __slots__ = ("parent", "page_size", "page_token")
    PARENT_FIELD_NUMBER: _ClassVar[int]
    PAGE_SIZE_FIELD_NUMBER: _ClassVar[int]
    PAGE_TOKEN_FIELD_NUMBER: _ClassVar[int]
    parent: str
    page_size: int
    page_token: str
    def __init__(self, parent: _Optional[str] = ..., page_size: _Optional[int] = ..., page_token: _Optional[str] = ...) -> None: ...

class ListNamespacesResponse(_message.Message):
    __slots__ = ("namespaces", "next_page_token")
    NAMESPACES_FIELD_NUMBER: _ClassVar[int]
    NEXT_PAGE_TOKEN_FIELD_NUMBER: _ClassVar[int]
    namespaces: _containers.RepeatedCompositeFieldContainer[_namespace_pb2.Namespace]
    next_page_token: str
    def __init__(self, namespaces: _Optional[_Iterable[_Union[_namespace_pb2.Namespace, _Mapping]]] = ..., next_page_token: _Optional[str] = ...) -> None: ...

class CreateLifecyclePolicyRequest(_message.Message):
    __slots__ = ("parent", "lifecycle_policy", "lifecycle_policy_id", "request_id")
    PARENT_FIELD_NUMBER: _ClassVar[int]
    LIFECYCLE_POLICY_FIELD_NUMBER: _ClassVar[int]
    LIFECYCLE_POLICY_ID_FIELD_NUMBER: _ClassVar[int]
    REQUEST_ID_FIELD_NUMBER: _ClassVar[int]
    parent: str
    lifecycle_policy: _lifecycle_policy_pb2.LifecyclePolicy
    lifecycle_policy_id: str
    request_id: str
    def __init__(self, parent: _Optional[str] = ..., lifecycle_policy: _Optional[_Union[_lifecycle_policy_pb2.LifecyclePolicy, _Mapping]] = ..., lifecycle_policy_id: _Optional[str] = ..., request_id: _Optional[str] = ...) -> None: ...

class CreateLifecyclePolicyResponse(_message.Message):
    __slots__ = ("lifecycle_policy",)
    LIFECYCLE_POLICY_FIELD_NUMBER: _ClassVar[int]
    lifecycle_policy: _lifecycle_policy_pb2.LifecyclePolicy
    def __init__(self, lifecycle_policy: _Optional[_Union[_lifecycle_policy_pb2.LifecyclePolicy, _Mapping]] = ...) -> None: ...

class GetLifecyclePolicyRequest(_message.Message):
    __slots__ = ("name",)
    NAME_FIELD_NUMBER: _ClassVar[int]
    name: str
    def __init__(self, name: _Optional[str] = ...) -> None: ...

class GetLifecyclePolicyResponse(_message.Message):
    __slots__ = ("lifecycle_policy",)
    LIFECYCLE_POLICY_FIELD_NUMBER: _ClassVar[int]
    lifecycle_policy: _lifecycle_policy_pb2.LifecyclePolicy
    def __init__(self, lifecycle_policy: _Optional[_Union[_lifecycle_policy_pb2.LifecyclePolicy, _Mapping]] = ...) -> None: ...

class ListLifecyclePoliciesRequest(_message.Message):
    __slots__ = ("parent", "page_size", "page_token")
    PARENT_FIELD_NUMBER: _ClassVar[int]
    PAGE_SIZE_FIELD_NUMBER: _ClassVar[int]
    PAGE_TOKEN_FIELD_NUMBER: _ClassVar[int]
    parent: str
    page_size: int
    page_token: str
    def __init__(self, parent: _Optional[str] = ..., page_size: _Optional[int] = ..., page_token: _Optional[str] = ...) -> None: ...

class ListLifecyclePoliciesResponse(_message.Message):
    __slots__ = ("lifecycle_policies", "next_page_token")
    LIFECYCLE_POLICIES_FIELD_NUMBER: _ClassVar[int]
    NEXT_PAGE_TOKEN_FIELD_NUMBER: _ClassVar[int]
    lifecycle_policies: _containers.RepeatedCompositeFieldContainer[_lifecycle_policy_pb2.LifecyclePolicy]
    next_page_token: str
    def __init__(self, lifecycle_policies: _Optional[_Iterable[_Union[_lifecycle_policy_pb2.LifecyclePolicy, _Mapping]]] = ..., next_page_token: _Optional[str] = ...) -> None: ...

class UpdateLifecyclePolicyRequest(_message.Message):
    __slots__ = ("lifecycle_policy", "update_mask", "request_id")
    LIFECYCLE_POLICY_FIELD_NUMBER: _ClassVar[int]
    UPDATE_MASK_FIELD_NUMBER: _ClassVar[int]
    REQUEST_ID_FIELD_NUMBER: _ClassVar[int]
    lifecycle_policy: _lifecycle_policy_pb2.LifecyclePolicy
    update_mask: _field_mask_pb2.FieldMask
    request_id: str
    def __init__(self, lifecycle_policy: _Optional[_Union[_lifecycle_policy_pb2.LifecyclePolicy, _Mapping]] = ..., update_mask: _Optional[_Union[_field_mask_pb2.FieldMask, _Mapping]] = ..., request_id: _Optional[str] = ...) -> None: ...

class UpdateLifecyclePolicyResponse(_message.Message):
    __slots__ = ("lifecycle_policy",)
    LIFECYCLE_POLICY_FIELD_NUMBER: _ClassVar[int]
    lifecycle_policy: _lifecycle_policy_pb2.LifecyclePolicy
    def __init__(self, lifecycle_policy: _Optional[_Union[_lifecycle_policy_pb2.LifecyclePolicy, _Mapping]] = ...) -> None: ...

class RunMemoryJobRequest(_message.Message):
    __slots__ = ("parent", "memory_job", "memory_job_id")
    PARENT_FIELD_NUMBER: _ClassVar[int]
    MEMORY_JOB_FIELD_NUMBER: _ClassVar[int]
    MEMORY_JOB_ID_FIELD_NUMBER: _ClassVar[int]
    parent: str
    memory_job: _memory_job_pb2.MemoryJob
    memory_job_id: str
    def __init__(self, parent: _Optional[str] = ..., memory_job: _Optional[_Union[_memory_job_pb2.MemoryJob, _Mapping]] = ..., memory_job_id: _Optional[str] = ...) -> None: ...

class RunMemoryJobResponse(_message.Message):
    __slots__ = ("memory_job",)
    MEMORY_JOB_FIELD_NUMBER: _ClassVar[int]
    memory_job: _memory_job_pb2.MemoryJob
    def __init__(self, memory_job: _Optional[_Union[_memory_job_pb2.MemoryJob, _Mapping]] = ...) -> None: ...

class GetMemoryJobRequest(_message.Message):
    __slots__ = ("name",)
    NAME_FIELD_NUMBER: _ClassVar[int]
    name: str
    def __init__(self, name: _Optional[str] = ...) -> None: ...

class GetMemoryJobResponse(_message.Message):
    __slots__ = ("memory_job",)
    MEMORY_JOB_FIELD_NUMBER: _ClassVar[int]
    memory_job: _memory_job_pb2.MemoryJob
    def __init__(self, memory_job: _Optional[_Union[_memory_job_pb2.MemoryJob, _Mapping]] = ...) -> None: ...

class ListMemoryJobsRequest(_message.Message):
    __slots__ = ("parent", "page_size", "page_token")
    PARENT_FIELD_NUMBER: _ClassVar[int]
    PAGE_SIZE_FIELD_NUMBER: _ClassVar[int]
    PAGE_TOKEN_FIELD_NUMBER: _ClassVar[int]
    parent: str
    page_size: int
    page_token: str
    def __init__(self, parent: _Optional[str] = ..., page_size: _Optional[int] = ..., page_token: _Optional[str] = ...) -> None: ...

class ListMemoryJobsResponse(_message.Message):
    __slots__ = ("memory_jobs", "next_page_token")
    MEMORY_JOBS_FIELD_NUMBER: _ClassVar[int]
    NEXT_PAGE_TOKEN_FIELD_NUMBER: _ClassVar[int]
    memory_jobs: _containers.RepeatedCompositeFieldContainer[_memory_job_pb2.MemoryJob]
    next_page_token: str
    def __init__(self, memory_jobs: _Optional[_Iterable[_Union[_memory_job_pb2.MemoryJob, _Mapping]]] = ..., next_page_token: _Optional[str] = ...) -> None: ...

class InspectMemoryRequest(_message.Message):
    __slots__ = ("name", "neighbours")
    NAME_FIELD_NUMBER: _ClassVar[int]
    NEIGHBOURS_FIELD_NUMBER: _ClassVar[int]
    name: str
    neighbours: int
    def __init__(self, name: _Optional[str] = ..., neighbours: _Optional[int] = ...) -> None: ...

class InspectMemoryResponse(_message.Message):
    __slots__ = ("memory", "neighbours", "vector_norm", "reads")
    MEMORY_FIELD_NUMBER: _ClassVar[int]
    NEIGHBOURS_FIELD_NUMBER: _ClassVar[int]
    VECTOR_NORM_FIELD_NUMBER: _ClassVar[int]
    READS_FIELD_NUMBER: _ClassVar[int]
    memory: _memory_pb2.Memory
    neighbours: _containers.RepeatedCompositeFieldContainer[SearchResult]
    vector_norm: float
    reads: _containers.RepeatedCompositeFieldContainer[MemoryRead]
    def __init__(self, memory: _Optional[_Union[_memory_pb2.Memory, _Mapping]] = ..., neighbours: _Optional[_Iterable[_Union[SearchResult, _Mapping]]] = ..., vector_norm: _Optional[float] = ..., reads: _Optional[_Iterable[_Union[MemoryRead, _Mapping]]] = ...) -> None: ...

class MemoryRead(_message.Message):
    __slots__ = ("memory", "principal", "read_time")
    MEMORY_FIELD_NUMBER: _ClassVar[int]
    PRINCIPAL_FIELD_NUMBER: _ClassVar[int]
    READ_TIME_FIELD_NUMBER: _ClassVar[int]
    memory: str
    principal: str
    read_time: _timestamp_pb2.Timestamp
    def __init__(self, memory: _Optional[str] = ..., principal: _Optional[str] = ..., read_time: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ...) -> None: ...

class SummarizeMemoryAccessRequest(_message.Message):
    __slots__ = ("parent", "window", "top")
    PARENT_FIELD_NUMBER: _ClassVar[int]
    WINDOW_FIELD_NUMBER: _ClassVar[int]
    TOP_FIELD_NUMBER: _ClassVar[int]
    parent: str
    window: _duration_pb2.Duration
    top: int
    def __init__(self, parent: _Optional[str] = ..., window: _Optional[_Union[datetime.timedelta, _duration_pb2.Duration, _Mapping]] = ..., top: _Optional[int] = ...) -> None: ...

class SummarizeMemoryAccessResponse(_message.Message):
    __slots__ = ("reads", "namespaces", "memories", "readers", "unread_memories")
    READS_FIELD_NUMBER: _ClassVar[int]
    NAMESPACES_FIELD_NUMBER: _ClassVar[int]
    MEMORIES_FIELD_NUMBER: _ClassVar[int]
    READERS_FIELD_NUMBER: _ClassVar[int]
    UNREAD_MEMORIES_FIELD_NUMBER: _ClassVar[int]
    reads: int
    namespaces: _containers.RepeatedCompositeFieldContainer[AccessCount]
    memories: _containers.RepeatedCompositeFieldContainer[AccessCount]
    readers: _containers.RepeatedCompositeFieldContainer[AccessCount]
    unread_memories: int
    def __init__(self, reads: _Optional[int] = ..., namespaces: _Optional[_Iterable[_Union[AccessCount, _Mapping]]] = ..., memories: _Optional[_Iterable[_Union[AccessCount, _Mapping]]] = ..., readers: _Optional[_Iterable[_Union[AccessCount, _Mapping]]] = ..., unread_memories: _Optional[int] = ...) -> None: ...

class AccessCount(_message.Message):
    __slots__ = ("key", "reads")
    KEY_FIELD_NUMBER: _ClassVar[int]
    READS_FIELD_NUMBER: _ClassVar[int]
    key: str
    reads: int
    def __init__(self, key: _Optional[str] = ..., reads: _Optional[int] = ...) -> None: ...

class GetMemoryHeatmapRequest(_message.Message):
    __slots__ = ("parent", "start_time", "end_time", "bucket")
    PARENT_FIELD_NUMBER: _ClassVar[int]
    START_TIME_FIELD_NUMBER: _ClassVar[int]
    END_TIME_FIELD_NUMBER: _ClassVar[int]
    BUCKET_FIELD_NUMBER: _ClassVar[int]
    parent: str
    start_time: _timestamp_pb2.Timestamp
    end_time: _timestamp_pb2.Timestamp
    bucket: _duration_pb2.Duration
    def __init__(self, parent: _Optional[str] = ..., start_time: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., end_time: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., bucket: _Optional[_Union[datetime.timedelta, _duration_pb2.Duration, _Mapping]] = ...) -> None: ...

class GetMemoryHeatmapResponse(_message.Message):
    __slots__ = ("buckets", "rows")
    BUCKETS_FIELD_NUMBER: _ClassVar[int]
    ROWS_FIELD_NUMBER: _ClassVar[int]
    buckets: _containers.RepeatedCompositeFieldContainer[_timestamp_pb2.Timestamp]
    rows: _containers.RepeatedCompositeFieldContainer[HeatmapRow]
    def __init__(self, buckets: _Optional[_Iterable[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]]] = ..., rows: _Optional[_Iterable[_Union[HeatmapRow, _Mapping]]] = ...) -> None: ...

class HeatmapRow(_message.Message):
    __slots__ = ("namespace", "reads")
    NAMESPACE_FIELD_NUMBER: _ClassVar[int]
    READS_FIELD_NUMBER: _ClassVar[int]
    namespace: str
    reads: _containers.RepeatedScalarFieldContainer[int]
    def __init__(self, namespace: _Optional[str] = ..., reads: _Optional[_Iterable[int]] = ...) -> None: ...
