"""The planner agent: decomposes a goal into a DAG of tasks."""

from __future__ import annotations

from typing import ClassVar

from cognition.agents.v1 import agent_io_pb2
from shared.agents.base import AgentType, register


@register
class PlannerAgent(AgentType):
    """Turns a goal into a plan; the task-planner validates the DAG it proposes."""

    role = "planner"
    output = agent_io_pb2.PlannerOutput
    required: ClassVar[tuple[str, ...]] = ("tasks",)
    failure_strategy = "retry"

    def context_query(self, task: agent_io_pb2.AgentInput) -> str:
        return task.goal
