"""gRPC servicer of cognition.memory.v1.MemoryService: proto in, domain call, proto out."""

from __future__ import annotations

from cognition.memory.v1 import memory_service_pb2_grpc as pb_grpc
from services.memory.convert import MEMORIES, NAMESPACE_RESOURCE
from services.memory.core.memories import MemoryService
from services.memory.core.namespaces import NamespaceService
from shared.rpc.standard_methods import standard_methods


class MemoryServicer(pb_grpc.MemoryServiceServicer):
    """Memories and namespaces. Search arrives with embeddings, lifecycle policies after."""

    CreateMemory, GetMemory, ListMemories, UpdateMemory, DeleteMemory = standard_methods(
        MEMORIES, "_memories")
    CreateNamespace, GetNamespace, ListNamespaces = standard_methods(
        NAMESPACE_RESOURCE, "_namespaces", "create", "get", "list")

    def __init__(self, memories: MemoryService, namespaces: NamespaceService) -> None:
        self._memories = memories
        self._namespaces = namespaces
