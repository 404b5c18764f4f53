"""``memory_search``'s searches, through the memory service's SearchMemories."""

from __future__ import annotations

from cognition.memory.v1 import memory_service_pb2
from services.tool_runner.core.builtins.memory_search import FoundMemory
from shared.mesh.client import ServiceClient
from shared.mesh.methods import Unary

SEARCH_MEMORIES = Unary.of(memory_service_pb2.SearchMemoriesRequest,
                           memory_service_pb2.SearchMemoriesResponse)


class MeshMemorySearch:
    """Searches as the caller (a user's token travels on), or as the agent type a service of
    the mesh runs the tool for.

    Args:
        client: A client of the memory service.
    """

    def __init__(self, client: ServiceClient) -> None:
        self._client = client

    async def search(self, tenant: str, query: str, *, namespaces: list[str], top_k: int,
                     agent_type: str) -> list[FoundMemory]:
        request = memory_service_pb2.SearchMemoriesRequest(
            parent=f"tenants/{tenant}", query=query, namespaces=namespaces, top_k=top_k,
            agent=agent_type)
        response = await self._client.call(SEARCH_MEMORIES, request, idempotent=True)
        return [FoundMemory(result.memory.name, result.memory.content, round(result.score, 4))
                for result in response.results]
