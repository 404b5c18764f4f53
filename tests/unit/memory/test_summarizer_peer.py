"""The compress job's summarizer on the mesh: the AI runtime's Complete as the summarizer
role, against a runtime in process."""

from __future__ import annotations

import json

from cognition.runtime.v1 import completion_pb2
from cognition.runtime.v1 import runtime_service_pb2 as pb
from services.memory.peers.summarizer import MeshSummarizer
from shared.mesh.client import ServiceClient
from shared.mesh.in_process import InProcessChannel


class FakeRuntime:
    """Complete, answering ``output`` and remembering each request."""

    def __init__(self, output: str) -> None:
        self.output = output
        self.requests: list[pb.CompleteRequest] = []

    async def Complete(self, request: pb.CompleteRequest, context: object) -> pb.CompleteResponse:
        self.requests.append(request)
        return pb.CompleteResponse(completion=completion_pb2.Completion(
            name="tenants/acme/completions/c1", output=self.output))


def summarizer_of(runtime: FakeRuntime) -> MeshSummarizer:
    channel = InProcessChannel(runtime, "runtime.cognition")
    return MeshSummarizer(ServiceClient("ai-runtime", channel_factory=lambda _: channel))


async def test_the_summary_is_the_summarizer_roles_answer() -> None:
    runtime = FakeRuntime(json.dumps({"summary": "Build 2 failed and was rolled back."}))
    summarizer = summarizer_of(runtime)

    summary = await summarizer.summarize("acme", ["Build 2 failed.", "Rolled back build 2."])
    await summarizer.summarize("acme", ["Build 2 failed.", "Rolled back build 2."])

    assert summary == "Build 2 failed and was rolled back."
    first, again = runtime.requests
    assert (first.parent, first.role) == ("tenants/acme", "summarizer")
    assert first.messages[-1].content == "- Build 2 failed.\n- Rolled back build 2."
    assert json.loads(first.response_schema)["required"] == ["summary"]
    # The same texts, the same request id: the runtime answers a repeat with its first answer.
    assert first.request_id.startswith("memory-summary-")
    assert again.request_id == first.request_id


async def test_an_answer_that_is_not_json_is_the_summary_itself() -> None:
    summarizer = summarizer_of(FakeRuntime("Builds failed, then recovered."))

    assert await summarizer.summarize("acme", ["x"]) == "Builds failed, then recovered."
