"""``Dispatcher``: the orchestrator's loop from ready tasks to running agents.

Each round asks the task-planner for READY tasks (every tenant), makes sure a built-in agent
serves each role that has no agent of its own, assigns the tasks through the
:class:`Scheduler` (dependency order is the planner's: a task is READY only once its
dependencies are done; independent tasks start together, up to the agents' capacity), tells
the planner they started and hands built-in agents' executions to their host.
Each round also runs work that reached the built-in agents otherwise (retries, reassignments,
assignments made by another replica, a previous life's executions); less often it heartbeats
them and sweeps unreported outcomes.

A round asks the planner with a long poll: it answers as soon as a task is ready (a new plan,
a finished dependency). Rounds also run ``interval`` seconds apart when tasks are ready but no
agent can take them, and at once when an execution finishes. After a round that started tasks
the next one waits (briefly) until the planner has heard of those starts: until then it still
counts the tasks READY and would offer them again.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time

from services.agent_orchestrator.core.ports import BuiltinAgents, TaskBoard
from services.agent_orchestrator.core.reporting import Reporter
from services.agent_orchestrator.core.scheduler import Scheduler, tenant_of
from shared.errors import CognitionError

log = logging.getLogger(__name__)

MAX_BACKOFF = 1.0  # most seconds between rounds while they keep failing (a peer is down)
START_REPORTS_WAIT = 1.0  # most seconds a round waits for the previous round's start reports
PLANNER_WAIT = 30.0  # most seconds the first round waits for the planner to be reachable


class Dispatcher:
    """Runs dispatch rounds in the background.

    Args:
        board: The task-planner.
        scheduler: Assigns tasks to agents.
        host: The built-in agents.
        reporter: Tells the planner what became of assignments.
        interval: Seconds between rounds when nothing wakes the loop.
        upkeep_interval: Seconds between heartbeats of built-in agents, recovery and sweeps.
        batch: Most ready tasks taken per round.
        wait: How long a round waits for ready tasks when there are none (a long poll of the
            planner, which answers as soon as one is ready).
    """

    def __init__(self, board: TaskBoard, scheduler: Scheduler, host: BuiltinAgents,
                 reporter: Reporter, *, interval: float, upkeep_interval: float,
                 batch: int = 200, wait: float = 0.0) -> None:
        self._board = board
        self._scheduler = scheduler
        self._host = host
        self._reporter = reporter
        self._interval = interval
        self._upkeep_interval = upkeep_interval
        self._batch = batch
        self._wait = wait
        self._reports: set[asyncio.Task[bool]] = set()
        self._round_reports: list[asyncio.Task[bool]] = []
        self._next_recovery = 0.0
        self._wake = asyncio.Event()
        self._stop = asyncio.Event()
        self._task: asyncio.Task[None] | None = None

    def wake(self) -> None:
        """Run the next round now."""
        self._wake.set()

    async def dispatch_once(self) -> int:
        """One round: assign the ready tasks and start them; returns how many started.

        The tasks are assigned together and start at once; the planner hears of the starts in
        the background. The round also runs work another replica gave this one's built-in agents.
        """
        await self._recover()
        ready = await self._board.ready(self._batch, self._wait)
        if not ready:
            return 0
        await self._host.ensure_agents({(tenant_of(t), t.role) for t in ready})
        result = await self._scheduler.schedule(ready)
        for assignment, execution in result.started:
            self._host.run(assignment, execution, report_start=False)
            report = asyncio.create_task(self._reporter.report(assignment))
            self._reports.add(report)
            self._round_reports.append(report)
            report.add_done_callback(self._reports.discard)
        return len(result.started)

    async def _recover(self) -> None:
        """Pick up work given to the built-in agents otherwise, at most once per interval
        (busy rounds come much faster; this replica's own retries and replacements start
        without it)."""
        now = time.monotonic()
        if now >= self._next_recovery:
            self._next_recovery = now + self._interval
            await self._host.recover()

    async def _heard_of_starts(self) -> None:
        """Wait until the planner has heard of the last round's starts (or a report failed,
        or START_REPORTS_WAIT passed: the sweep retries what did not get through)."""
        reports, self._round_reports = self._round_reports, []
        if reports:
            await asyncio.wait(reports, timeout=START_REPORTS_WAIT)

    async def upkeep(self) -> None:
        """Heartbeat built-in agents and report what is unreported."""
        await self._host.heartbeat()
        await self._reporter.sweep()

    def start(self) -> None:
        self._task = asyncio.create_task(self._loop())

    async def stop(self) -> None:
        """Stop at once: a round cut short loses nothing, every step is a transaction or a
        repeatable call, and unfinished executions stay RUNNING for the next life."""
        self._stop.set()
        if self._task is not None:
            self._task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._task
            self._task = None
        for report in list(self._reports):
            report.cancel()
        await self._host.stop()

    async def _loop(self) -> None:
        started_host = False
        failures = 0
        next_upkeep = time.monotonic() + self._upkeep_interval
        while not self._stop.is_set():
            self._wake.clear()
            try:
                if not started_host:
                    # Started before the planner, wait for it: failed rounds would open the
                    # circuit to it and keep this replica idle for the circuit's reset time.
                    await self._board.reachable(PLANNER_WAIT)
                    await self._host.start()
                    started_host = True
                started = await self.dispatch_once()
                if time.monotonic() >= next_upkeep:
                    next_upkeep = time.monotonic() + self._upkeep_interval
                    await self.upkeep()
            except Exception as error:
                failures += 1
                self._log_failure(error, failures)
                # Back off while a peer is down (at start-up the planner may not serve yet).
                await asyncio.sleep(min(MAX_BACKOFF, self._interval * 2 ** min(failures, 8)))
                continue
            if failures:
                log.info("dispatching again after %d failed rounds", failures)
                failures = 0
            if started:
                await self._heard_of_starts()
                continue  # more may be ready (a full batch, or capacity freed meanwhile)
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self._wake.wait(), timeout=self._interval)

    @staticmethod
    def _log_failure(error: Exception, failures: int) -> None:
        """The first failed round loudly, then one in twenty while failures go on."""
        if failures % 20 != 1:
            return
        if isinstance(error, CognitionError):
            log.warning("dispatch round failed (%d in a row): %s", failures, error.message)
        else:
            log.error("dispatch round failed (%d in a row)", failures, exc_info=error)
