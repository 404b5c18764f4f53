"""The summarizer agent: condenses upstream results into the goal's final answer."""

from __future__ import annotations

from typing import ClassVar

from google.protobuf.message import Message

from cognition.agents.v1 import agent_io_pb2
from shared.agents.base import AgentType, register


@register
class SummarizerAgent(AgentType):
    """Writes the final answer from the results of the tasks it depends on."""

    role = "summarizer"
    output = agent_io_pb2.SummarizerOutput
    required: ClassVar[tuple[str, ...]] = ("summary",)
    failure_strategy = "retry"

    def result_text(self, output: Message) -> str:
        return str(output.summary)  # type: ignore[attr-defined]
