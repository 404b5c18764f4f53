"""Summaries from the AI runtime's Complete, as the summarizer agent role."""

from __future__ import annotations

import hashlib
import json
from collections.abc import Sequence

from cognition.runtime.v1 import completion_pb2, runtime_service_pb2
from shared.mesh.client import ServiceClient
from shared.mesh.methods import Unary
from shared.mesh.resilience import MODEL_CALL_TIMEOUT

COMPLETE = Unary.of(runtime_service_pb2.CompleteRequest, runtime_service_pb2.CompleteResponse)
ROLE = "summarizer"
SCHEMA = json.dumps({"type": "object", "properties": {"summary": {"type": "string"}},
                     "required": ["summary"]})
INSTRUCTION = ("Condense these memories of an agent into one lasting memory: the facts, "
               "outcomes and lessons they share, without repetition.")
# The most text sent (the contract's limit of one message is 262144 characters).
MAX_TEXT = 200_000


class MeshSummarizer:
    """Summarises texts through the AI runtime's ``summarizer`` role.

    The same texts make the same request id, so a retried call (or a resumed job asking
    again) is answered with the first completion rather than paid for twice.

    Args:
        client: A client of the AI runtime.
    """

    def __init__(self, client: ServiceClient) -> None:
        self._client = client

    async def summarize(self, tenant: str, texts: Sequence[str]) -> str:
        text = "\n".join(f"- {t}" for t in texts)[:MAX_TEXT]
        digest = hashlib.sha256("\x00".join([tenant, *texts]).encode()).hexdigest()
        messages = [
            completion_pb2.Message(role=completion_pb2.MESSAGE_ROLE_USER, content=INSTRUCTION),
            completion_pb2.Message(role=completion_pb2.MESSAGE_ROLE_USER, content=text),
        ]
        response = await self._client.call(COMPLETE, runtime_service_pb2.CompleteRequest(
            parent=f"tenants/{tenant}", role=ROLE, messages=messages, response_schema=SCHEMA,
            request_id=f"memory-summary-{digest[:40]}"), timeout=MODEL_CALL_TIMEOUT,
            idempotent=True)
        return _summary_of(response.completion.output)


def _summary_of(output: str) -> str:
    """The ``summary`` of the role's JSON answer (the answer itself when it is not JSON)."""
    try:
        answer = json.loads(output)
    except ValueError:
        return output
    if isinstance(answer, dict) and isinstance(answer.get("summary"), str):
        return str(answer["summary"])
    return output
