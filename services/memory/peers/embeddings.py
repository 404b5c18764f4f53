"""Embeddings from the AI runtime's Embed."""

from __future__ import annotations

from collections.abc import Sequence

from cognition.runtime.v1 import runtime_service_pb2
from services.memory.core.ports import Embedded
from shared.errors import Unavailable
from shared.mesh.client import ServiceClient
from shared.mesh.methods import Unary

EMBED = Unary.of(runtime_service_pb2.EmbedRequest, runtime_service_pb2.EmbedResponse)
# Texts per Embed call, the contract's most.
BATCH = 256


class MeshEmbedder:
    """Embeds texts through the AI runtime, in batches of at most 256.

    Args:
        client: A client of the AI runtime.
    """

    def __init__(self, client: ServiceClient) -> None:
        self._client = client

    async def embed(self, tenant: str, texts: Sequence[str]) -> Embedded:
        vectors: list[list[float]] = []
        model = ""
        for start in range(0, len(texts), BATCH):
            response = await self._client.call(EMBED, runtime_service_pb2.EmbedRequest(
                parent=f"tenants/{tenant}", texts=list(texts[start:start + BATCH])))
            if model and response.model != model:
                raise Unavailable(f"the AI runtime embedded with {model}, then with "
                                  f"{response.model}; try again", reason="EMBEDDING_MODEL_CHANGED")
            model = response.model
            vectors.extend(list(e.values) for e in response.embeddings)
        return Embedded(vectors, model)
