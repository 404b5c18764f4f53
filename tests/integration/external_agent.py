"""An agent outside the mesh, as a test double of a worker process: it registers, heartbeats,
takes its RUNNING assignments from the orchestrator and completes their executions."""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import Callable

import grpc

from cognition.orchestrator.v1 import agent_pb2
from cognition.orchestrator.v1 import orchestrator_service_pb2 as pb
from cognition.orchestrator.v1 import orchestrator_service_pb2_grpc as pb_grpc

Behaviour = Callable[[str, int], tuple[str, str] | None]
"""``(task name, task attempt) -> (output, error)``; None: never answer (the agent hangs)."""


class ExternalAgent:
    """Runs in the test's event loop until :meth:`stop` (or :meth:`die`).

    Args:
        channel: A channel to Envoy signing calls in for the agent's tenant.
        tenant: The agent's tenant.
        agent_id: Its id.
        role: The role whose tasks it takes.
        strategy: Its failure strategy.
        behave: What it answers for each attempt.
    """

    def __init__(self, channel: grpc.aio.Channel, tenant: str, agent_id: str, role: str,
                 strategy: int, behave: Behaviour) -> None:
        self._stub = pb_grpc.OrchestratorServiceStub(channel)
        self.tenant = tenant
        self.name = f"tenants/{tenant}/agents/{agent_id}"
        self._agent = agent_pb2.Agent(display_name=agent_id, role=role, max_concurrency=4,
                                      failure_strategy=strategy)  # type: ignore[arg-type]
        self._id = agent_id
        self._behave = behave
        self._seen: set[str] = set()
        self.taken: list[str] = []  # task names, in the order the agent got them
        self._task: asyncio.Task[None] | None = None

    async def start(self) -> ExternalAgent:
        await self._stub.CreateAgent(pb.CreateAgentRequest(
            parent=f"tenants/{self.tenant}", agent=self._agent, agent_id=self._id), timeout=10)
        self._task = asyncio.create_task(self._loop())
        return self

    async def die(self) -> None:
        """Stop at once: no more heartbeats, running work left unfinished."""
        if self._task is not None:
            self._task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._task
            self._task = None

    stop = die

    async def _loop(self) -> None:
        while True:
            await self._stub.HeartbeatAgent(pb.HeartbeatAgentRequest(name=self.name),
                                            timeout=10)
            listed = await self._stub.ListAssignments(pb.ListAssignmentsRequest(
                parent=f"tenants/{self.tenant}", agent=self.name,
                filter="state = ASSIGNMENT_STATE_RUNNING"), timeout=10)
            for assignment in listed.assignments:
                execution = (f"tenants/{self.tenant}/executions/"
                             f"{assignment.name.rsplit('/', 1)[-1]}-{assignment.attempt}")
                if execution in self._seen:
                    continue
                self._seen.add(execution)
                self.taken.append(assignment.task)
                answer = self._behave(assignment.task, len(
                    [t for t in self.taken if t == assignment.task]))
                if answer is not None:
                    output, error = answer
                    await self._stub.CompleteExecution(pb.CompleteExecutionRequest(
                        name=execution, output=output, error=error), timeout=10)
            await asyncio.sleep(0.2)
