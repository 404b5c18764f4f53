"""``ToolRuns``: starting, ending, cancelling and watching runs of tools.

A run is stored QUEUED, then RUNNING while its runtime's executor works, then in the state it
ended in, with its output. The work happens in a task of this process; RunTool may wait for
it. Runs this process was running when it stopped are marked FAILED when it starts again.
"""

from __future__ import annotations

import asyncio
import contextlib
import dataclasses
import datetime as dt
import logging
from collections.abc import AsyncIterator, Mapping, Sequence

from services.tool_runner.core.execution import Executor, ToolCall, ToolResult
from services.tool_runner.core.models import ToolRun, ToolRunState, ToolRuntime, ToolState
from services.tool_runner.core.permissions import check_may_run
from services.tool_runner.core.run_events import RunEvent, RunEvents
from services.tool_runner.core.run_input import parse_input
from services.tool_runner.core.tools import ToolService
from shared import context
from shared.errors import CognitionError, FailedPrecondition
from shared.resources.entity import utc_now
from shared.resources.filters import MATCH_ALL, Filter
from shared.resources.names import new_id
from shared.resources.pages import Page, PageRequest
from shared.resources.store import Store

log = logging.getLogger(__name__)

# Output kept on a run (and streamed) per stream; the sandbox stops code that writes more.
MAX_STORED_OUTPUT = 1 << 20
# How long a cancelled executor has to stop by itself before its task is cancelled.
CANCEL_GRACE_SECONDS = 2.0
# How often a watcher of a run this process does not run looks at it again.
WATCH_POLL_SECONDS = 0.5


@dataclasses.dataclass(frozen=True)
class RunRequest:
    """What RunTool asks for."""

    tenant: str
    tool: str  # the tool's id
    input: str
    goal: str = ""
    task: str = ""
    agent: str = ""
    agent_type: str = ""
    wait: bool = False


class ToolRuns:
    """Runs of tools.

    Args:
        runs: The runs' table.
        tools: The registry.
        executors: The executor of each runtime this tool-runner runs.
        default_timeout: The timeout of a tool that sets none.
    """

    def __init__(self, runs: Store[ToolRun], tools: ToolService,
                 executors: Mapping[ToolRuntime, Executor],
                 default_timeout: dt.timedelta = dt.timedelta(seconds=30)) -> None:
        self._runs = runs
        self._tools = tools
        self._executors = dict(executors)
        self._default_timeout = default_timeout
        self._events = RunEvents()
        self._active: dict[tuple[str, str], tuple[asyncio.Task[ToolRun], asyncio.Event]] = {}

    async def start(self, request: RunRequest) -> ToolRun:
        """Check and store a run, start it, and return it queued (or ended, when ``wait``).

        Raises:
            NotFound: No such tool.
            FailedPrecondition: The tool is disabled, or its runtime is not run here.
            PermissionDenied: The caller may not run it.
            InvalidArgument: The input is not JSON or breaks the tool's input schema.
        """
        tool = await self._tools.get(request.tenant, request.tool)
        if tool.state is not ToolState.ACTIVE:
            raise FailedPrecondition(f"tool {tool.id!r} is disabled", reason="TOOL_DISABLED")
        check_may_run(tool, request.agent_type)
        executor = self._executors.get(tool.runtime)
        if executor is None:
            raise FailedPrecondition(f"this tool-runner does not run {tool.runtime} tools",
                                     reason="RUNTIME_NOT_AVAILABLE")
        value = parse_input(tool, request.input)
        ctx = context.current()
        run = await self._runs.create(ToolRun(
            tenant=request.tenant, id=new_id(), tool=tool.id, input=request.input,
            goal=request.goal, task=request.task, agent=request.agent,
            agent_type=request.agent_type, creator=ctx.on_behalf_of or ctx.subject))
        call = ToolCall(tenant=request.tenant, tool=tool, input=value,
                        timeout=tool.timeout or self._default_timeout,
                        agent_type=request.agent_type)
        task = asyncio.create_task(self._run(run, call, executor))
        self._active[(run.tenant, run.id)] = (task, call.cancelled)
        task.add_done_callback(lambda _: self._active.pop((run.tenant, run.id), None))
        if request.wait:
            return await asyncio.shield(task)
        return run

    async def _run(self, run: ToolRun, call: ToolCall, executor: Executor) -> ToolRun:
        output: list[str] = []
        size = 0

        async def collect(chunk: str) -> None:
            nonlocal size
            if size < MAX_STORED_OUTPUT:
                output.append(chunk)
                size += len(chunk)
            self._events.publish(RunEvent(running, "tool_run.output", chunk))

        running = await self._runs.update(dataclasses.replace(
            run, state=ToolRunState.RUNNING, start_time=utc_now()))
        self._events.publish(RunEvent(running, "tool_run.started"))
        result = await self._outcome(dataclasses.replace(call, on_output=collect), executor)
        ended = dataclasses.replace(
            running, state=result.state, output=result.output[:MAX_STORED_OUTPUT],
            stderr=result.stderr[:MAX_STORED_OUTPUT], exit_code=result.exit_code,
            error_message=result.error_message, end_time=utc_now(),
            sandbox_layers=list(result.sandbox_layers),
            output_truncated=result.output_truncated)
        try:
            stored = await self._runs.update(ended)
        finally:
            self._events.publish(RunEvent(ended, "tool_run.ended"))
        return stored

    async def _outcome(self, call: ToolCall, executor: Executor) -> ToolResult:
        """The executor's result, bounded by the run's timeout and its cancellation."""
        work = asyncio.ensure_future(executor.execute(call))
        cancelled = asyncio.ensure_future(call.cancelled.wait())
        # The sandbox enforces the timeout itself; this bound is for every other runtime.
        deadline = call.timeout.total_seconds() + CANCEL_GRACE_SECONDS
        try:
            done, _ = await asyncio.wait({work, cancelled}, timeout=deadline,
                                         return_when=asyncio.FIRST_COMPLETED)
            if work not in done and cancelled in done:
                done, _ = await asyncio.wait({work}, timeout=CANCEL_GRACE_SECONDS)
            if work in done:
                return self._result_of(work, call)
            if call.cancelled.is_set():
                return ToolResult(ToolRunState.CANCELLED, error_message="cancelled")
            return ToolResult(ToolRunState.TIMED_OUT, error_message=(
                f"wall time limit of {call.timeout.total_seconds():g} s exceeded"))
        finally:
            for future in (work, cancelled):
                if not future.done():
                    future.cancel()
                    with contextlib.suppress(asyncio.CancelledError, Exception):
                        await future

    @staticmethod
    def _result_of(work: asyncio.Future[ToolResult], call: ToolCall) -> ToolResult:
        error = work.exception()
        if error is None:
            result = work.result()
            if call.cancelled.is_set() and not result.state.ended:
                return ToolResult(ToolRunState.CANCELLED, error_message="cancelled")
            return result
        if isinstance(error, CognitionError):
            return ToolResult.failed(f"{error.reason}: {error.message}")
        log.error("tool %s failed unexpectedly", call.tool.id, exc_info=error)
        return ToolResult.failed(f"the tool failed unexpectedly ({type(error).__name__})")

    async def get(self, tenant: str, run_id: str) -> ToolRun:
        """The run; NotFound when there is none."""
        return await self._runs.get(tenant, run_id)

    async def list(self, tenant: str, page: PageRequest,
                   matching: Filter = MATCH_ALL) -> Page[ToolRun]:
        """One page of the tenant's runs, newest first."""
        return await self._runs.list_matching(tenant, page, matching)

    async def cancel(self, tenant: str, run_id: str) -> ToolRun:
        """Stop a queued or running run and return it ended.

        Raises:
            NotFound: No such run.
            FailedPrecondition: It has ended, or another replica runs it.
        """
        run = await self._runs.get(tenant, run_id)
        if run.state.ended:
            raise FailedPrecondition(f"tool run {run_id!r} has ended ({run.state})",
                                     reason="TOOL_RUN_ENDED")
        active = self._active.get((tenant, run_id))
        if active is None:
            raise FailedPrecondition(f"tool run {run_id!r} is not running on this replica",
                                     reason="TOOL_RUN_ELSEWHERE")
        task, cancelled = active
        cancelled.set()
        return await asyncio.shield(task)

    async def watch(self, tenant: str, run_id: str) -> AsyncIterator[RunEvent]:
        """The run as it is now, then its events until it ends."""
        run = await self._runs.get(tenant, run_id)
        if (tenant, run_id) in self._active:
            with self._events.subscribe(tenant, run_id) as queue:
                run = await self._runs.get(tenant, run_id)  # what happened before listening
                yield RunEvent(run, "tool_run.ended" if run.state.ended else "tool_run.state")
                while not run.state.ended:
                    event = await queue.get()
                    run = event.run
                    yield event
            return
        yield RunEvent(run, "tool_run.ended" if run.state.ended else "tool_run.state")
        while not run.state.ended:
            await asyncio.sleep(WATCH_POLL_SECONDS)
            current = await self._runs.get(tenant, run_id)
            if current.etag != run.etag:
                run = current
                yield RunEvent(run, "tool_run.ended" if run.state.ended else "tool_run.state")

    async def abandon(self, unfinished: Sequence[ToolRun]) -> None:
        """Mark as failed runs left QUEUED or RUNNING by a process that stopped (runs older
        than any timeout allows, which no process can still be running)."""
        for run in unfinished:
            if (run.tenant, run.id) in self._active:
                continue
            await self._runs.update(dataclasses.replace(
                run, state=ToolRunState.FAILED, end_time=utc_now(),
                error_message="the tool-runner stopped during the run"))
