"""`cognos run`'s report of a goal's tasks: the memories each task was given, with scores,
as read back from the memories of the tasks' results."""

from __future__ import annotations

import asyncio
import dataclasses
from collections.abc import Callable
from typing import Any

from rich.console import Console

from cognition.memory.v1 import memory_pb2
from cognition.memory.v1 import memory_service_pb2 as pb
from cognos.goal_client import GoalClient
from cognos.goal_progress import TaskView, task_report, with_memories
from cognos.reconnect import Reconnecting
from shared.agents.memories import ContextRecord, MemoryUse, context_metadata
from shared.mesh.in_process import InProcessChannel

GOAL = "tenants/demo/goals/g1"


def view(task_id: str, result: str = "done") -> TaskView:
    return TaskView(id=task_id, title=task_id, role="executor", depends_on=(),
                    state="SUCCEEDED", attempts=1, start_time=None, end_time=None,
                    result=result, agents=("builtin-executor-h1",))


def printed(tasks: list[TaskView], width: int = 100) -> list[str]:
    console = Console(width=width, record=True, force_terminal=False)
    console.print(task_report(tasks))
    return console.export_text().splitlines()


def test_each_task_lists_the_memories_it_used_with_their_scores() -> None:
    used = {"draft": ContextRecord((MemoryUse("tenants/demo/memories/research-a1-0f", 0.8349,
                                              0.9),
                                    MemoryUse("tenants/demo/memories/older", 0.4, 0.5)))}
    lines = printed(with_memories([view("research"), view("draft")], used))

    assert [line.split() for line in lines if "memory" in line.split()] == [
        ["memory", "0.83", "tenants/demo/memories/research-a1-0f"],
        ["memory", "0.40", "tenants/demo/memories/older"]]
    assert lines.index("    memory 0.83  tenants/demo/memories/research-a1-0f") > next(
        i for i, line in enumerate(lines) if line.startswith("draft"))  # under its task


def test_a_task_without_memories_reads_as_before() -> None:
    assert printed([view("research")]) == printed(with_memories([view("research")], {}))
    assert not any("memory" in line for line in printed([view("research")]))


def test_a_long_list_shows_the_best_and_counts_the_rest() -> None:
    uses = tuple(MemoryUse(f"tenants/demo/memories/m{i}", 1 - i / 10, 0.5) for i in range(7))
    lines = printed(with_memories([view("draft")], {"draft": ContextRecord(uses, 3)}))

    shown = [line for line in lines if line.startswith("    memory")]
    assert len(shown) == 6 and shown[-1] == "    memory … and 5 more"
    assert shown[0] == "    memory 1.00  tenants/demo/memories/m0"


class MemoryChannel(InProcessChannel):
    """An in-process channel the generated stubs can call (they register their methods)."""

    def unary_unary(self, path: str, request_serializer: Callable[[Any], bytes],
                    response_deserializer: Callable[[bytes], Any],
                    **_: Any) -> Callable[..., Any]:
        return super().unary_unary(path, request_serializer, response_deserializer)

    def unary_stream(self, path: str, request_serializer: Callable[[Any], bytes],
                     response_deserializer: Callable[[bytes], Any], **_: Any) -> Any:
        return super().unary_stream(path, request_serializer, response_deserializer)


@dataclasses.dataclass
class FakeMemory:
    memories: list[memory_pb2.Memory]
    requests: list[pb.ListMemoriesRequest] = dataclasses.field(default_factory=list)

    async def ListMemories(self, request: pb.ListMemoriesRequest,
                           context: object) -> pb.ListMemoriesResponse:
        self.requests.append(request)
        start = int(request.page_token or 0)
        return pb.ListMemoriesResponse(
            memories=self.memories[start:start + 2],
            next_page_token=str(start + 2) if start + 2 < len(self.memories) else "")


def result_memory(task: str, attempt: int, *uses: MemoryUse) -> memory_pb2.Memory:
    return memory_pb2.Memory(
        namespace="goals.g1", content=f"{task}: done",
        source=memory_pb2.MemorySource(agent="executor", goal=GOAL, task=f"{GOAL}/tasks/{task}"),
        metadata={**context_metadata(uses), "attempt": str(attempt)})


async def test_the_memories_used_are_read_from_the_goals_namespace() -> None:
    first = MemoryUse("tenants/demo/memories/old-a1-aa", 0.5, 0.6)
    second = MemoryUse("tenants/demo/memories/old-a1-bb", 0.7, 0.8)
    fake = FakeMemory([result_memory("draft", 1, first), result_memory("research", 1),
                       result_memory("draft", 2, second),
                       memory_pb2.Memory(namespace="goals.g1", content="a note by hand")])
    loop = asyncio.get_running_loop()
    client = GoalClient(MemoryChannel(fake), "token", "demo",  # type: ignore[arg-type]
                        Reconnecting(loop.time() + 5, lambda _: None))

    used = await client.memories_used(GOAL)

    assert used == {"draft": ContextRecord((MemoryUse(second.name, 0.7, 0.8),)),
                    "research": ContextRecord(())}  # the latest attempt's record
    assert {r.filter for r in fake.requests} == {'namespace = "goals.g1"'}
    assert [r.page_token for r in fake.requests] == ["", "2"]
