"""The planner agent: decomposes a goal into a DAG of tasks."""

from __future__ import annotations

from typing import Any, ClassVar

from cognition.agents.v1 import agent_io_pb2
from shared.agents.base import AgentType, register


@register
class PlannerAgent(AgentType):
    """Turns a goal into a plan; the task-planner validates the DAG it proposes."""

    role = "planner"
    output = agent_io_pb2.PlannerOutput
    required: ClassVar[tuple[str, ...]] = ("tasks",)
    failure_strategy = "retry"

    # The roles a drafted task may name: the built-in agents that do, check and sum up work.
    task_roles: ClassVar[tuple[str, ...]] = ("executor", "critic", "summarizer")
    max_output_tokens: ClassVar[int] = 2048  # the longest plan the schema allows, with room

    def context_query(self, task: agent_io_pb2.AgentInput) -> str:
        return task.goal

    def normalize(self, answer: dict[str, Any]) -> dict[str, Any]:
        """A repeated task id made unique (``-2``, ``-3``…) and dependencies naming no task of
        the plan (or the task itself) dropped: a small model's plan is often a sound list of
        tasks with ids and ``depends_on`` made up. A cycle is left for the planner to refuse."""
        tasks = answer.get("tasks")
        if not isinstance(tasks, list):
            return answer
        drafted: list[Any] = []
        for task in tasks:
            drafted.append(_unique_id(task, drafted))
        ids = {task.get("id") for task in drafted if isinstance(task, dict)}
        return {**answer, "tasks": [
            {**task, "depends_on": [d for d in dict.fromkeys(task["depends_on"])
                                    if d in ids and d != task.get("id")]}
            if isinstance(task, dict) and isinstance(task.get("depends_on"), list) else task
            for task in drafted]}

    def output_schema(self) -> dict[str, Any]:
        """The plan's schema as a small model can fill it: at most 5 tasks, each task's
        ``agent_role`` one of :attr:`task_roles`, short texts and lists, so the longest plan
        fits in :attr:`max_output_tokens` (a small model may ramble in a string until its
        tokens run out, and a cut answer is not JSON)."""
        schema = super().output_schema()
        schema["properties"]["tasks"]["maxItems"] = 5
        draft = schema["properties"]["tasks"]["items"]["properties"]
        draft["agent_role"] = {"type": "string", "enum": list(self.task_roles)}
        draft["title"]["maxLength"] = 80
        draft["instructions"]["maxLength"] = 200
        draft["depends_on"].update(maxItems=3, items={"type": "string", "maxLength": 40})
        draft["acceptance_criteria"].update(maxItems=2,
                                            items={"type": "string", "maxLength": 100})
        draft["tools"]["maxItems"] = 0  # no tool is offered to a drafted task yet
        return schema


def _unique_id(task: Any, earlier: list[Any]) -> Any:
    """``task`` with an id no task in ``earlier`` has."""
    if not isinstance(task, dict) or not isinstance(task.get("id"), str):
        return task
    taken = {t.get("id") for t in earlier if isinstance(t, dict)}
    unique, n = task["id"], 2
    while unique in taken:
        unique, n = f"{task['id']}-{n}", n + 1
    return {**task, "id": unique}
