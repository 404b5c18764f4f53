"""``AgentHost``: the built-in agents, run by this orchestrator replica through the one agent
pipeline.

For each tenant and role that has ready work and no agent of its own, the host registers one
built-in agent (``builtin-<role>-<host id>``) of that role, with the failure strategy its agent
type declares, and heartbeats it while the replica lives. Every RUNNING execution of those
agents is run here: executions the scheduler just started, due retries and work moved here
from agents that went away. After a restart with the same host id, the executions its agents
were running before are found in the store and run again (an execution completes once).

An attempt whose run fails only because a peer of the mesh could not be reached (memory, the
AI runtime or the quality gate down or restarting: ``shared.mesh.resilience.peer_unavailable``)
is not spent: the host waits until its peers are reachable and runs the pipeline again in the
same execution (the model call keeps its request id, so the runtime answers and charges a call
it completed once). Only after ``peer_wait`` seconds of that does the attempt fail.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import re
import time
from collections.abc import Awaitable, Callable, Iterable, Iterator
from typing import Protocol

from cognition.agents.v1 import agent_io_pb2
from cognition.orchestrator.v1 import orchestrator_service_pb2
from services.agent_orchestrator.config import SUBJECT
from services.agent_orchestrator.core.agents import BUILTIN_PREFIX, AgentService, is_builtin
from services.agent_orchestrator.core.models import (
    Agent,
    Assignment,
    AssignmentStrategy,
    Execution,
    FailureStrategy,
    execution_id,
)
from services.agent_orchestrator.core.reporting import Reporter
from services.agent_orchestrator.core.scheduler import Completion, Scheduler
from services.agent_orchestrator.core.stores import HostStore
from shared import context
from shared.agents.base import AgentFailure, AgentType, agent_type, known_roles
from shared.agents.pipeline import AgentRun, ResultStore
from shared.errors import AlreadyExists, CognitionError, FailedPrecondition
from shared.mesh.resilience import peer_unavailable
from shared.rpc.audit import AuditRecorder

log = logging.getLogger(__name__)

COMPLETE_EXECUTION = "/cognition.orchestrator.v1.OrchestratorService/CompleteExecution"
# What the pipeline's mesh calls need: context, model calls, tools, quality checks, and the
# task's result remembered in its goal's memory.
AGENT_SCOPES = frozenset({"memories.read", "memories.write", "completions.write",
                          "policies.read", "tools.read", "tools.run"})


class AgentRunner(Protocol):
    """The agent pipeline (``shared.agents.pipeline.AgentPipeline``) with its ports."""

    async def run(self, agent: AgentType, task: agent_io_pb2.AgentInput, *, tenant: str,
                  agent_name: str, attempt: int) -> AgentRun: ...


RunnerFactory = Callable[[ResultStore], AgentRunner]
"""Builds the pipeline around the store step of one execution."""

PeersReachable = Callable[[float], Awaitable[bool]]
"""Waits up to the given seconds until the pipeline's peers can be reached; whether they can."""

DEFAULT_PEER_WAIT = 120.0
# Pauses between runs again after a peer could not be reached (it may be up but not yet
# serving, or a peer further on may be the one missing).
FIRST_RERUN_PAUSE = 0.05
MAX_RERUN_PAUSE = 2.0


async def _always_reachable(timeout: float) -> bool:
    return True


class ExecutionResult:
    """The pipeline's store step for a built-in agent: the result becomes the output of the
    execution, which succeeds (and is never completed twice)."""

    def __init__(self, scheduler: Scheduler, assignment: Assignment, execution: Execution,
                 audit: AuditRecorder | None) -> None:
        self._scheduler = scheduler
        self._audit = audit
        self.started = (assignment, execution)
        self.completion: Completion | None = None

    async def store(self, task: str, result: str) -> None:
        await self.complete(output=result)

    async def complete(self, *, output: str = "", error: str = "") -> Completion:
        """End the execution (a failure when ``error``), audited as the agent's
        CompleteExecution in the transaction that ends it."""
        assignment, execution = self.started
        with self._audited(output, error):
            self.completion = await self._scheduler.complete(
                assignment.tenant, execution.id, output=output, error=error,
                started=self.started)
        return self.completion

    @contextlib.contextmanager
    def _audited(self, output: str, error: str) -> Iterator[None]:
        """The agent's CompleteExecution call is being served (its audit entry is written
        with the execution's end)."""
        if self._audit is None:
            yield
            return
        assignment, execution = self.started
        tenant = assignment.tenant
        request = orchestrator_service_pb2.CompleteExecutionRequest(
            name=f"tenants/{tenant}/executions/{execution.id}", output=output, error=error)
        actor = context.CallContext(tenant=tenant, subject=SUBJECT,
                                    on_behalf_of=f"tenants/{tenant}/agents/{assignment.agent}")
        failure = AgentFailure("ATTEMPT_FAILED", error) if error else None
        with context.bind(actor), self._audit.serving(COMPLETE_EXECUTION, request, failure):
            yield


def _strategy(agent: AgentType) -> FailureStrategy:
    return FailureStrategy(agent.failure_strategy.upper())


class AgentHost:
    """Registers, heartbeats and runs this replica's built-in agents.

    Args:
        host_id: Stable id of this replica (lowercase letters and digits).
        agents: Registers and heartbeats agents.
        store: The durable assignments and executions.
        scheduler: Completes executions.
        reporter: Tells the planner what became of them.
        runners: Builds the agent pipeline for one execution.
        concurrency: max_concurrency of each built-in agent.
        on_done: Called after each finished execution (wakes the dispatcher).
        audit: Records each finished attempt in the audit trail, as the agent's
            CompleteExecution (None: not audited).
        peers_reachable: Waits until the pipeline's peers can be reached again.
        peer_wait: Most seconds an attempt waits in all for unreachable peers before it
            fails (and counts).
    """

    def __init__(self, host_id: str, agents: AgentService, store: HostStore,
                 scheduler: Scheduler, reporter: Reporter, runners: RunnerFactory, *,
                 concurrency: int, on_done: Callable[[], None] = lambda: None,
                 audit: AuditRecorder | None = None,
                 peers_reachable: PeersReachable = _always_reachable,
                 peer_wait: float = DEFAULT_PEER_WAIT) -> None:
        self.host_id = host_id
        self._agents = agents
        self._store = store
        self._scheduler = scheduler
        self._reporter = reporter
        self._runners = runners
        self._concurrency = concurrency
        self._on_done = on_done
        self._audit = audit
        self._peers_reachable = peers_reachable
        self._peer_wait = peer_wait
        self._hosted: set[tuple[str, str]] = set()  # (tenant, agent id)
        self._decided: set[tuple[str, str]] = set()  # (tenant, role) looked at already
        self._running: dict[str, asyncio.Task[None]] = {}
        self._start_reports: set[asyncio.Task[bool]] = set()

    def agent_id(self, role: str) -> str:
        """The id of this host's built-in agent of ``role``."""
        slug = re.sub(r"[^a-z0-9-]", "-", role)[:40]
        return f"{BUILTIN_PREFIX}{slug}-{self.host_id}"

    @property
    def agent_ids(self) -> set[str]:
        return {self.agent_id(role) for role in known_roles()}

    def hosts(self, agent_id: str) -> bool:
        return agent_id in self.agent_ids

    @property
    def running(self) -> int:
        return len(self._running)

    async def start(self) -> None:
        """Take over this host's agents as stored, and run what they were running."""
        for agent in await self._store.agents_named(self.agent_ids):
            self._hosted.add((agent.tenant, agent.id))
            self._decided.add((agent.tenant, agent.role))
        await self.heartbeat()
        await self.recover()

    async def ensure_agents(self, needs: Iterable[tuple[str, str]]) -> None:
        """Register a built-in agent for each (tenant, role) that has none of its own."""
        for tenant, role in needs:
            if (tenant, role) in self._decided or role not in known_roles():
                continue
            loads = await self._store.agents_with_load(tenant, role)
            self._decided.add((tenant, role))
            if any(not is_builtin(load.agent.id) for load in loads):
                continue  # the tenant runs its own agents of this role
            agent = agent_type(role)
            with contextlib.suppress(AlreadyExists):
                await self._agents.create(Agent(
                    tenant=tenant, id=self.agent_id(role), display_name=f"Built-in {role}",
                    role=role, capabilities=[], max_concurrency=self._concurrency,
                    assignment_strategy=AssignmentStrategy.LEAST_LOADED,
                    failure_strategy=_strategy(agent)))
            self._hosted.add((tenant, self.agent_id(role)))

    def run(self, assignment: Assignment, execution: Execution, *,
            report_start: bool = True) -> None:
        """Run ``execution`` in the background unless it runs already; the planner hears of
        its start (unless ``report_start`` is False: the caller tells it)."""
        if execution.id in self._running or not self.hosts(execution.agent):
            return
        if report_start and not assignment.reported:
            # A retry or a moved task: the planner hears of the attempt as it starts.
            report = asyncio.create_task(self._reporter.report(assignment))
            self._start_reports.add(report)
            report.add_done_callback(self._start_reports.discard)
        task = asyncio.create_task(self._run(assignment, execution))
        self._running[execution.id] = task
        task.add_done_callback(lambda _: self._running.pop(execution.id, None))

    async def recover(self) -> int:
        """Run every RUNNING execution of this host's agents not running here (due retries,
        reassigned work, work of a previous life); returns how many were started."""
        found = [(a, e) for a, e in await self._store.running_of(self.agent_ids)
                 if e.id not in self._running]
        for assignment, execution in found:
            self.run(assignment, execution)
        return len(found)

    async def heartbeat(self) -> None:
        """Heartbeat every built-in agent of this host (which also extends their leases)."""
        active = sum(1 for t in self._running.values() if not t.done())
        for tenant, agent_id in sorted(self._hosted):
            try:
                await self._agents.heartbeat(tenant, agent_id, active)
            except CognitionError as error:
                log.warning("heartbeat of %s/%s failed: %s", tenant, agent_id, error.message)

    async def stop(self) -> None:
        """Stop running executions; the store keeps them RUNNING for the next life."""
        tasks = [*self._running.values(), *self._start_reports]
        for task in tasks:
            task.cancel()
        await asyncio.gather(*tasks, return_exceptions=True)

    async def _run(self, assignment: Assignment, execution: Execution) -> None:
        result = ExecutionResult(self._scheduler, assignment, execution, self._audit)
        error = await self._attempt(assignment, execution, self._runners(result))
        done = result.completion
        if done is None:
            try:
                done = await result.complete(error=error or "no result stored")
            except FailedPrecondition:
                return  # ended meanwhile (reassigned, or its lease ran out and was retried)
        await self._reporter.report(done.assignment, done.execution.output)
        if done.replacement is not None:
            self.run(done.replacement, await self._store.executions.get(
                done.replacement.tenant, execution_id(done.replacement)))
        self._on_done()

    async def _attempt(self, assignment: Assignment, execution: Execution,
                       runner: AgentRunner) -> str:
        """Run the attempt's pipeline, again while a failure is only a peer that could not
        be reached, for up to ``peer_wait`` seconds; returns why it failed ("" when it did
        not)."""
        give_up_at = time.monotonic() + self._peer_wait
        pause = FIRST_RERUN_PAUSE
        while True:
            error, unreachable = await self._run_once(assignment, execution, runner)
            remaining = give_up_at - time.monotonic()
            if not unreachable or remaining <= 0:
                return error
            log.info("%s of %s waits for a peer: %s", execution.id, assignment.task, error)
            await self._peers_reachable(remaining)
            await asyncio.sleep(pause)
            pause = min(MAX_RERUN_PAUSE, pause * 2)

    async def _run_once(self, assignment: Assignment, execution: Execution,
                        runner: AgentRunner) -> tuple[str, bool]:
        """Run the pipeline once; returns why it failed ("" when it did not) and whether
        only a peer that could not be reached failed it."""
        task = agent_io_pb2.AgentInput.FromString(assignment.input or b"")
        if not task.task:
            task.task = assignment.task
        identity = context.CallContext(
            tenant=assignment.tenant, subject=SUBJECT, scopes=AGENT_SCOPES,
            on_behalf_of=f"tenants/{assignment.tenant}/agents/{assignment.agent}")
        try:
            with context.bind(identity):
                await runner.run(
                    agent_type(assignment.role), task, tenant=assignment.tenant,
                    agent_name=f"tenants/{assignment.tenant}/agents/{assignment.agent}",
                    attempt=execution.attempt)
        except AgentFailure as failure:
            return f"{failure.reason}: {failure}", False
        except CognitionError as failure:
            return f"{failure.reason}: {failure.message}", peer_unavailable(failure)
        except Exception as failure:  # an agent bug fails the attempt, not the host
            log.exception("agent %s crashed on %s", assignment.agent, assignment.task)
            return f"AGENT_CRASHED: {type(failure).__name__}: {failure}", False
        return "", False
