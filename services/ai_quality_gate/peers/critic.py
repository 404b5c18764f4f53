"""A second model's judgement from the AI runtime's Complete (RULE_KIND_CROSS_CHECK)."""

from __future__ import annotations

import hashlib
import json

from cognition.runtime.v1 import completion_pb2, runtime_service_pb2
from services.ai_quality_gate.core.ports import CriticError, Verification
from shared.errors import CognitionError
from shared.mesh.client import ServiceClient
from shared.mesh.methods import Unary
from shared.values.documents import parse_model_json

COMPLETE = Unary.of(runtime_service_pb2.CompleteRequest, runtime_service_pb2.CompleteResponse)
SCHEMA = json.dumps({
    "type": "object",
    "properties": {"agrees": {"type": "boolean"},
                   "score": {"type": "number", "minimum": 0, "maximum": 1},
                   "reasons": {"type": "array", "items": {"type": "string"}}},
    "required": ["agrees", "score", "reasons"],
})
INSTRUCTION = ("Judge whether the output below answers the task below: completely, correctly "
               "and without making things up. `agrees` is true when it does; `score` rates "
               "the output from 0 (useless) to 1 (perfect); `reasons` lists each problem in "
               "one short sentence (empty when there is none).")
# The most characters of task and of output sent (a Complete message holds 262144).
MAX_TEXT = 100_000


class MeshCritic:
    """Asks the AI runtime's Complete, as the rule's agent role, whether output answers its
    task. The same question makes the same request id, so a retried call is answered with
    the first completion rather than paid for twice.

    Args:
        client: A client of the AI runtime.
        deadline: Seconds a judgement may take.
    """

    def __init__(self, client: ServiceClient, deadline: float) -> None:
        self._client = client
        self._deadline = deadline

    async def judge(self, tenant: str, role: str, task: str, output: str) -> Verification:
        task = task[:MAX_TEXT] or "(no task description was given: judge the output alone)"
        question = f"Task:\n{task}\n\nOutput:\n{output[:MAX_TEXT]}"
        digest = hashlib.sha256("\x00".join([tenant, role, question]).encode()).hexdigest()
        messages = [
            completion_pb2.Message(role=completion_pb2.MESSAGE_ROLE_SYSTEM, content=INSTRUCTION),
            completion_pb2.Message(role=completion_pb2.MESSAGE_ROLE_USER, content=question),
        ]
        try:
            response = await self._client.call(COMPLETE, runtime_service_pb2.CompleteRequest(
                parent=f"tenants/{tenant}", role=role, messages=messages, response_schema=SCHEMA,
                request_id=f"quality-cross-check-{digest[:40]}"), timeout=self._deadline,
                idempotent=True)
        except CognitionError as error:
            raise CriticError(f"the AI runtime answered {error.code.name} "
                              f"({error.reason or 'no reason'}): {error}") from error
        completion = response.completion
        return _verification(role, completion.model, completion.name, completion.output)


def _verification(role: str, model: str, completion: str, output: str) -> Verification:
    """The judgement in the model's JSON answer.

    Raises:
        CriticError: The answer is not the JSON asked for.
    """
    try:
        answer = parse_model_json(output)
    except ValueError as error:
        raise CriticError(f"the {role} model's answer is not JSON ({error})") from error
    if not isinstance(answer, dict):
        raise CriticError(f"the {role} model's answer is not a JSON object")
    agrees, score, reasons = answer.get("agrees"), answer.get("score"), answer.get("reasons", [])
    if (not isinstance(agrees, bool) or not isinstance(score, int | float)
            or isinstance(score, bool) or not isinstance(reasons, list)):
        raise CriticError(f"the {role} model's answer lacks `agrees` (true or false), "
                          "`score` (a number) or `reasons` (a list)")
    return Verification(role, model, agrees, min(1.0, max(0.0, float(score))),
                        tuple(str(r) for r in reasons), completion)
