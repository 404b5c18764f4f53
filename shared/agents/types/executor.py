"""The executor agent: does the work a task describes."""

from __future__ import annotations

from typing import ClassVar

from google.protobuf.message import Message

from cognition.agents.v1 import agent_io_pb2
from shared.agents.base import AgentType, register


@register
class ExecutorAgent(AgentType):
    """Produces a task's result; reassigned to another agent when an attempt fails."""

    role = "executor"
    output = agent_io_pb2.ExecutorOutput
    required: ClassVar[tuple[str, ...]] = ("result",)
    uses_tools = True
    failure_strategy = "reassign"

    def result_text(self, output: Message) -> str:
        return str(output.result)  # type: ignore[attr-defined]
