"""The cross-check's port on the mesh: the AI runtime's Complete asked as the rule's role, its
JSON answer read, and every failure a CriticError, against a runtime in process."""

from __future__ import annotations

import json

import pytest

from cognition.runtime.v1 import completion_pb2
from cognition.runtime.v1 import runtime_service_pb2 as pb
from services.ai_quality_gate.core.ports import CriticError, Verification
from services.ai_quality_gate.peers.critic import SCHEMA, MeshCritic
from shared.errors import FailedPrecondition, Unavailable
from shared.mesh.client import ServiceClient
from shared.mesh.in_process import InProcessChannel


class FakeRuntime:
    """Complete answering with ``output``, or raising ``error``; requests kept."""

    def __init__(self, output: str = "", error: Exception | None = None) -> None:
        self.output = output
        self.error = error
        self.requests: list[pb.CompleteRequest] = []

    async def Complete(self, request: pb.CompleteRequest, context: object
                       ) -> pb.CompleteResponse:
        self.requests.append(request)
        if self.error is not None:
            raise self.error
        return pb.CompleteResponse(completion=completion_pb2.Completion(
            name="tenants/acme/completions/c9", role=request.role, model="judge-1",
            output=self.output))


def critic_of(runtime: FakeRuntime) -> MeshCritic:
    channel = InProcessChannel(runtime, "runtime.cognition")
    return MeshCritic(ServiceClient("ai-runtime", channel_factory=lambda _: channel), 5.0)


async def test_the_judgement_is_asked_as_the_role_with_the_schema() -> None:
    runtime = FakeRuntime(json.dumps({"agrees": False, "score": 0.3,
                                      "reasons": ["misses the second part"]}))

    verdict = await critic_of(runtime).judge("acme", "reviewer", "Sum 2 and 2.", "5")

    assert verdict == Verification("reviewer", "judge-1", False, 0.3,
                                    ("misses the second part",),
                                    "tenants/acme/completions/c9")
    [request] = runtime.requests
    assert (request.parent, request.role, request.response_schema) == (
        "tenants/acme", "reviewer", SCHEMA)
    assert "Task:\nSum 2 and 2." in request.messages[-1].content
    assert request.messages[-1].content.endswith("Output:\n5")
    assert request.request_id.startswith("quality-cross-check-")
    again = FakeRuntime(runtime.output)
    await critic_of(again).judge("acme", "reviewer", "Sum 2 and 2.", "5")
    assert again.requests[0].request_id == request.request_id  # asked again: not paid twice


@pytest.mark.parametrize(("output", "problem"), [
    ("I think it is fine.", "not JSON"),
    ("[true]", "not a JSON object"),
    ('{"agrees": "yes", "score": 1, "reasons": []}', "lacks `agrees`"),
])
async def test_an_answer_that_is_not_the_json_asked_for_is_no_judgement(
        output: str, problem: str) -> None:
    with pytest.raises(CriticError, match=problem):
        await critic_of(FakeRuntime(output)).judge("acme", "critic", "task", "output")


@pytest.mark.parametrize(("error", "said"), [
    (Unavailable("every provider failed", reason="PROVIDERS_UNAVAILABLE"),
     "UNAVAILABLE (PROVIDERS_UNAVAILABLE): every provider failed"),
    (FailedPrecondition("no prompt for role", reason="UNKNOWN_ROLE"),
     "FAILED_PRECONDITION (UNKNOWN_ROLE): no prompt for role"),
])
async def test_a_runtime_error_is_no_judgement(error: Exception, said: str) -> None:
    with pytest.raises(CriticError) as raised:
        await critic_of(FakeRuntime(error=error)).judge("acme", "critic", "task", "output")
    assert str(raised.value) == f"the AI runtime answered {said}"
