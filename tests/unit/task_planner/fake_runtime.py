"""The AI runtime as the planner uses it, served in process: Complete answers with the plan a
test gives (or never, for a model call that outlasts the test), GetBudget says unlimited."""

from __future__ import annotations

import asyncio
import json
from collections.abc import Callable
from typing import Any

from cognition.runtime.v1 import completion_pb2
from cognition.runtime.v1 import runtime_service_pb2 as pb

ADDRESS = "ai-runtime.in-process"
ONE_TASK = {"complexity": 1, "tasks": [
    {"id": "do", "title": "Do it", "agent_role": "executor", "critical": True}]}


class FakeRuntime:
    """``Complete`` answers with ``draft(goal description)`` as the model's output; with
    ``hang``, it never answers."""

    def __init__(self, draft: Callable[[str], dict[str, Any]] = lambda _: ONE_TASK,
                 hang: bool = False) -> None:
        self._draft = draft
        self._hang = hang

    async def Complete(self, request: pb.CompleteRequest, context: object
                       ) -> pb.CompleteResponse:
        if self._hang:
            await asyncio.Event().wait()
        output = json.dumps(self._draft(request.messages[-1].content))
        return pb.CompleteResponse(completion=completion_pb2.Completion(
            name=f"{request.parent}/completions/c1", output=output))

    async def GetBudget(self, request: pb.GetBudgetRequest, context: object
                        ) -> pb.GetBudgetResponse:
        return pb.GetBudgetResponse(budget=pb.Budget(name=request.name))
