"""gRPC servicer of cognition.memory.v1.MemoryService: proto in, domain call, proto out."""

from __future__ import annotations

import grpc

from cognition.memory.v1 import memory_service_pb2 as pb
from cognition.memory.v1 import memory_service_pb2_grpc as pb_grpc
from services.memory import convert
from services.memory.core.memories import UPDATABLE_FIELDS, MemoryService
from services.memory.core.namespaces import NamespaceService
from shared.database import PageRequest
from shared.proto.fields import mask_paths
from shared.resources import names


class MemoryServicer(pb_grpc.MemoryServiceServicer):
    """Memories and namespaces. Search arrives with embeddings, lifecycle policies after."""

    def __init__(self, memories: MemoryService, namespaces: NamespaceService) -> None:
        self._memories = memories
        self._namespaces = namespaces

    async def CreateMemory(self, request: pb.CreateMemoryRequest,
                           context: grpc.aio.ServicerContext) -> pb.CreateMemoryResponse:
        tenant = names.parse_parent(request.parent)
        memory_id = names.choose_id(request.memory_id, "memory_id")
        memory = await self._memories.create(
            convert.new_memory(tenant, memory_id, request.memory))
        return pb.CreateMemoryResponse(memory=convert.memory_to_proto(memory))

    async def GetMemory(self, request: pb.GetMemoryRequest,
                        context: grpc.aio.ServicerContext) -> pb.GetMemoryResponse:
        tenant, memory_id = names.parse_name(request.name, convert.COLLECTION)
        memory = await self._memories.get(tenant, memory_id)
        return pb.GetMemoryResponse(memory=convert.memory_to_proto(memory))

    async def ListMemories(self, request: pb.ListMemoriesRequest,
                           context: grpc.aio.ServicerContext) -> pb.ListMemoriesResponse:
        tenant = names.parse_parent(request.parent)
        matching = convert.MEMORY_FILTER.parse(request.filter, tenant)
        page = await self._memories.list(tenant,
                                         PageRequest.of(request.page_size, request.page_token),
                                         matching)
        return pb.ListMemoriesResponse(memories=[convert.memory_to_proto(m) for m in page.items],
                                       next_page_token=page.next_page_token)

    async def UpdateMemory(self, request: pb.UpdateMemoryRequest,
                           context: grpc.aio.ServicerContext) -> pb.UpdateMemoryResponse:
        tenant, memory_id = names.parse_name(request.memory.name, convert.COLLECTION,
                                             "memory.name")
        paths = mask_paths(request.update_mask, UPDATABLE_FIELDS)
        memory = await self._memories.update(tenant, memory_id,
                                             convert.memory_changes(request.memory, paths),
                                             request.memory.etag)
        return pb.UpdateMemoryResponse(memory=convert.memory_to_proto(memory))

    async def DeleteMemory(self, request: pb.DeleteMemoryRequest,
                           context: grpc.aio.ServicerContext) -> pb.DeleteMemoryResponse:
        tenant, memory_id = names.parse_name(request.name, convert.COLLECTION)
        await self._memories.delete(tenant, memory_id)
        return pb.DeleteMemoryResponse()

    async def CreateNamespace(self, request: pb.CreateNamespaceRequest,
                              context: grpc.aio.ServicerContext) -> pb.CreateNamespaceResponse:
        tenant = names.parse_parent(request.parent)
        # Namespace ids may hold '.' and '_' (the contract's pattern, already validated), which
        # names.choose_id would refuse.
        namespace_id = request.namespace_id or names.new_id()
        namespace = await self._namespaces.create(
            convert.new_namespace(tenant, namespace_id, request.namespace))
        return pb.CreateNamespaceResponse(namespace=convert.namespace_to_proto(namespace))

    async def GetNamespace(self, request: pb.GetNamespaceRequest,
                           context: grpc.aio.ServicerContext) -> pb.GetNamespaceResponse:
        tenant, namespace_id = names.parse_name(request.name, convert.NAMESPACES)
        namespace = await self._namespaces.get(tenant, namespace_id)
        return pb.GetNamespaceResponse(namespace=convert.namespace_to_proto(namespace))

    async def ListNamespaces(self, request: pb.ListNamespacesRequest,
                             context: grpc.aio.ServicerContext) -> pb.ListNamespacesResponse:
        tenant = names.parse_parent(request.parent)
        page = await self._namespaces.list(tenant,
                                           PageRequest.of(request.page_size, request.page_token))
        return pb.ListNamespacesResponse(
            namespaces=[convert.namespace_to_proto(n) for n in page.items],
            next_page_token=page.next_page_token)
