"""gRPC servicer of cognition.memory.v1.MemoryService: proto in, domain call, proto out."""

from __future__ import annotations

import datetime as dt

import grpc

from cognition.memory.v1 import memory_service_pb2 as pb
from cognition.memory.v1 import memory_service_pb2_grpc as pb_grpc
from services.memory import convert
from services.memory.convert import (
    LIFECYCLE_POLICIES,
    MEMORIES,
    MEMORY_JOBS,
    NAMESPACE_RESOURCE,
)
from services.memory.core.debug import MemoryDebug
from services.memory.core.jobs import MemoryJobs
from services.memory.core.memories import MemoryService
from services.memory.core.namespaces import NamespaceService
from services.memory.core.policies import LifecyclePolicies
from services.memory.core.search import MemorySearch, SearchQuery
from shared.errors import InvalidArgument
from shared.resources import names
from shared.resources.entity import utc_now
from shared.rpc.standard_methods import standard_methods


class MemoryServicer(pb_grpc.MemoryServiceServicer):
    """Memories, their search and namespaces, lifecycle policies and jobs, and the debug
    tools."""

    CreateMemory, GetMemory, ListMemories, UpdateMemory, DeleteMemory = standard_methods(
        MEMORIES, "_memories")
    CreateNamespace, GetNamespace, ListNamespaces, UpdateNamespace = standard_methods(
        NAMESPACE_RESOURCE, "_namespaces", "create", "get", "list", "update")
    (CreateLifecyclePolicy, GetLifecyclePolicy, ListLifecyclePolicies,
     UpdateLifecyclePolicy) = standard_methods(LIFECYCLE_POLICIES, "_policies", "create", "get",
                                               "list", "update")
    GetMemoryJob, ListMemoryJobs = standard_methods(MEMORY_JOBS, "_jobs", "get", "list")

    def __init__(self, memories: MemoryService, namespaces: NamespaceService,
                 search: MemorySearch, debug: MemoryDebug, *, policies: LifecyclePolicies,
                 jobs: MemoryJobs) -> None:
        self._memories = memories
        self._namespaces = namespaces
        self._search = search
        self._debug = debug
        self._policies = policies
        self._jobs = jobs

    async def BatchCreateMemories(self, request: pb.BatchCreateMemoriesRequest,
                                  context: grpc.aio.ServicerContext
                                  ) -> pb.BatchCreateMemoriesResponse:
        """Stores up to 500 memories at once, all or none."""
        tenant = names.parse_parent(request.parent)
        batch = []
        for i, item in enumerate(request.requests):
            if item.parent != request.parent:
                raise InvalidArgument.for_field(f"requests[{i}].parent",
                                                f"must be {request.parent}, as the batch's")
            memory_id = names.choose_id(item.memory_id, f"requests[{i}].memory_id")
            batch.append(convert.new_memory(tenant, memory_id, item.memory))
        stored = await self._memories.create_many(batch)
        return pb.BatchCreateMemoriesResponse(
            memories=[convert.memory_to_proto(m) for m in stored])

    async def SearchMemories(self, request: pb.SearchMemoriesRequest,
                             context: grpc.aio.ServicerContext) -> pb.SearchMemoriesResponse:
        """Finds the memories closest in meaning to a query, best first."""
        tenant = names.parse_parent(request.parent)
        namespaces = ([request.namespace] if request.namespace else []) + [
            n for n in request.namespaces if n != request.namespace]
        found = await self._search.search(SearchQuery(
            tenant=tenant, text=request.query, top_k=request.top_k, namespaces=namespaces,
            namespaces_field="namespaces" if request.namespaces else "namespace",
            min_score=request.min_score,
            matching=convert.SEARCH_FILTER.parse(request.filter, tenant),
            diversity=request.diversity, per_namespace=request.top_k_per_namespace,
            agent=request.agent, ranking=convert.ranking_from_proto(request.ranking),
            embedding=list(request.query_embedding)))
        return pb.SearchMemoriesResponse(results=[convert.found_to_proto(f) for f in found])

    async def RetrieveContext(self, request: pb.RetrieveContextRequest,
                              context: grpc.aio.ServicerContext) -> pb.RetrieveContextResponse:
        """Fills a token budget with the memories most useful for a query."""
        tenant = names.parse_parent(request.parent)
        found, tokens = await self._search.context(SearchQuery(
            tenant=tenant, text=request.query, top_k=100, namespaces=list(request.namespaces),
            min_score=request.min_score, agent=request.agent), request.token_budget)
        return pb.RetrieveContextResponse(results=[convert.found_to_proto(f) for f in found],
                                          tokens=tokens)

    async def ArchiveMemory(self, request: pb.ArchiveMemoryRequest,
                            context: grpc.aio.ServicerContext) -> pb.ArchiveMemoryResponse:
        """Moves a memory out of search, keeping it readable."""
        tenant, memory_id = names.parse_name(request.name, convert.COLLECTION)
        archived = await self._memories.archive(tenant, memory_id)
        return pb.ArchiveMemoryResponse(memory=convert.memory_to_proto(archived))

    async def RestoreMemory(self, request: pb.RestoreMemoryRequest,
                            context: grpc.aio.ServicerContext) -> pb.RestoreMemoryResponse:
        """Brings an archived memory back into search."""
        tenant, memory_id = names.parse_name(request.name, convert.COLLECTION)
        restored = await self._memories.restore(tenant, memory_id)
        return pb.RestoreMemoryResponse(memory=convert.memory_to_proto(restored))

    async def RunMemoryJob(self, request: pb.RunMemoryJobRequest,
                           context: grpc.aio.ServicerContext) -> pb.RunMemoryJobResponse:
        """Runs a lifecycle job to its end, or resumes the job of that id."""
        tenant = names.parse_parent(request.parent)
        job_id = names.choose_id(request.memory_job_id, "memory_job_id")
        job = await self._jobs.run(convert.new_memory_job(tenant, job_id, request.memory_job))
        return pb.RunMemoryJobResponse(memory_job=convert.memory_job_to_proto(job))

    async def InspectMemory(self, request: pb.InspectMemoryRequest,
                            context: grpc.aio.ServicerContext) -> pb.InspectMemoryResponse:
        """A memory with its nearest neighbours, vector norm and latest reads."""
        tenant, memory_id = names.parse_name(request.name, convert.COLLECTION)
        inspection = await self._debug.inspect(tenant, memory_id, request.neighbours or 5)
        return convert.inspection_to_proto(inspection)

    async def SummarizeMemoryAccess(self, request: pb.SummarizeMemoryAccessRequest,
                                    context: grpc.aio.ServicerContext
                                    ) -> pb.SummarizeMemoryAccessResponse:
        """Reads per namespace, the most read memories and the most active readers."""
        tenant = names.parse_parent(request.parent)
        window = (request.window.ToTimedelta() if request.HasField("window")
                  else dt.timedelta(days=7))
        summary = await self._debug.summary(tenant, window, request.top or 10)
        return convert.summary_to_proto(tenant, summary)

    async def GetMemoryHeatmap(self, request: pb.GetMemoryHeatmapRequest,
                               context: grpc.aio.ServicerContext
                               ) -> pb.GetMemoryHeatmapResponse:
        """Reads per namespace and time bucket over a window."""
        tenant = names.parse_parent(request.parent)
        end = (request.end_time.ToDatetime(dt.UTC) if request.HasField("end_time")
               else utc_now())
        start = (request.start_time.ToDatetime(dt.UTC) if request.HasField("start_time")
                 else end - dt.timedelta(hours=24))
        bucket = (request.bucket.ToTimedelta() if request.HasField("bucket")
                  else dt.timedelta(hours=1))
        return convert.heatmap_to_proto(await self._debug.heatmap(tenant, start, end, bucket))
