"""The dispatch loop over a real store with the planner, alerts and the agent pipeline faked:
built-in agents, running their executions, reporting back and recovering after a restart."""

from __future__ import annotations

import asyncio
import dataclasses
import datetime as dt
from collections.abc import Callable
from typing import Any

import pytest

from cognition.agents.v1 import agent_io_pb2
from services.agent_orchestrator.agent_host import (
    AgentHost,
    AgentRunner,
    ExecutionResult,
    PeersReachable,
    RunnerFactory,
)
from services.agent_orchestrator.core.agents import AgentService
from services.agent_orchestrator.core.dispatch import Dispatcher
from services.agent_orchestrator.core.failure import (
    FailurePolicy,
    Reassign,
    RetryWithBackoff,
    failure_policy,
)
from services.agent_orchestrator.core.models import (
    Agent,
    AssignmentState,
    ExecutionState,
    FailureStrategy,
    ReadyTask,
)
from services.agent_orchestrator.core.ports import RaisedAlert
from services.agent_orchestrator.core.reporting import Reporter
from services.agent_orchestrator.core.scheduler import Scheduler
from services.agent_orchestrator.repository import AssignmentStore, agent_repository
from shared.agents.base import AgentFailure, AgentType
from shared.agents.pipeline import AgentRun, ResultStore
from shared.database import DatabaseConnection, PageRequest
from shared.database.audit_outbox import AuditOutbox
from shared.errors import DeadlineExceeded, FailedPrecondition, Unavailable
from shared.mesh.resilience import CIRCUIT_OPEN, PEER_UNAVAILABLE
from shared.rpc.audit import AuditRecorder

GOAL = "tenants/acme/goals/g1"


def ready(task_id: str, role: str = "executor") -> ReadyTask:
    name = f"{GOAL}/tasks/{task_id}"
    return ReadyTask(name=name, goal=GOAL, role=role, input=agent_io_pb2.AgentInput(
        task=name, title=task_id, instructions=f"do {task_id}").SerializeToString())


class Board:
    """The planner's side: task states with its transition rules, the attempts it was
    told of, and the calls it got."""

    def __init__(self, *tasks: ReadyTask) -> None:
        self.waiting = list(tasks)
        self.states: dict[str, str] = {t.name: "READY" for t in tasks}
        self.attempts: dict[str, int] = {}
        self.results: dict[str, str] = {}
        self.calls: list[tuple[str, str]] = []
        self.down = False

    async def reachable(self, timeout: float) -> bool:
        return not self.down

    async def ready(self, limit: int, wait: float = 0.0) -> list[ReadyTask]:
        return [dataclasses.replace(t, attempts=self.attempts.get(t.name, 0)) for t in self.waiting
                if self.states[t.name] == "READY"][:limit]

    async def _move(self, task: str, state: str, attempts: int,
                    allowed_from: tuple[str, ...]) -> None:
        if self.down:
            raise Unavailable("planner down")
        self.calls.append((state, task.rsplit("/", 1)[-1]))
        current = self.states[task]
        if current != state and current not in allowed_from:
            raise FailedPrecondition("not allowed", reason="TASK_TRANSITION_NOT_ALLOWED",
                                     metadata={"from": current, "to": state})
        self.states[task] = state
        self.attempts[task] = max(self.attempts.get(task, 0), attempts)

    async def started(self, task: str, attempts: int) -> None:
        await self._move(task, "RUNNING", attempts, ("READY",))

    async def succeeded(self, task: str, attempts: int, result: str) -> None:
        await self._move(task, "SUCCEEDED", attempts, ("RUNNING",))
        self.results[task] = result

    async def failed(self, task: str, attempts: int) -> None:
        await self._move(task, "FAILED", attempts, ("RUNNING",))

    async def skipped(self, task: str, attempts: int) -> None:
        await self._move(task, "SKIPPED", attempts, ("RUNNING", "FAILED"))

    async def returned(self, task: str, attempts: int) -> None:
        await self._move(task, "READY", attempts, ("RUNNING",))

    async def pause_goal(self, goal: str, reason: str) -> None:
        self.calls.append(("PAUSE", reason))


class Alerts:
    def __init__(self) -> None:
        self.raised: list[RaisedAlert] = []

    async def raise_alert(self, alert: RaisedAlert) -> None:
        self.raised.append(alert)


class Pipeline:
    """Answers after ``delay`` seconds; fails the roles in ``failing``; counts overlap."""

    def __init__(self, delay: float = 0.05, failing: frozenset[str] = frozenset()) -> None:
        self.delay = delay
        self.failing = failing
        self.running = 0
        self.most = 0
        self.runs: list[str] = []

    def __call__(self, results: ResultStore) -> AgentRunner:
        pipeline = self

        class Runner:
            async def run(self, agent: AgentType, task: agent_io_pb2.AgentInput, *,
                          tenant: str, agent_name: str, attempt: int) -> AgentRun:
                pipeline.running += 1
                pipeline.most = max(pipeline.most, pipeline.running)
                pipeline.runs.append(task.title)
                try:
                    await asyncio.sleep(pipeline.delay)
                finally:
                    pipeline.running -= 1
                if agent.role in pipeline.failing:
                    raise AgentFailure("CRITIC_FAILED", "the critic rejected the work: TODO")
                await results.store(task.task, f"{task.title} done by {agent_name}")
                return AgentRun(output=agent_io_pb2.ExecutorOutput(), result="", completion="",
                                prompt_version="v1")

        return Runner()


def at_once_failures(strategy: FailureStrategy) -> FailurePolicy:
    """The declared policies, with retries due at once."""
    if strategy in (FailureStrategy.RETRY, FailureStrategy.REASSIGN):
        retry = RetryWithBackoff(base_delay=dt.timedelta(0), max_delay=dt.timedelta(0))
        return retry if strategy is FailureStrategy.RETRY else Reassign(backoff=retry)
    return failure_policy(strategy)


@dataclasses.dataclass
class Wiring:
    store: AssignmentStore
    board: Board
    alerts: Alerts
    pipeline: Any
    host: AgentHost
    dispatcher: Dispatcher


def wire(db: DatabaseConnection, board: Board, pipeline: RunnerFactory,
         host_id: str = "h1", audit: AuditRecorder | None = None,
         peers: PeersReachable | None = None, peer_wait: float = 30.0) -> Wiring:
    store = AssignmentStore(db)
    agents = agent_repository(db)
    scheduler = Scheduler(store, agents, failure=at_once_failures)
    alerts = Alerts()
    reporter = Reporter(store, board, alerts)
    host = AgentHost(host_id, AgentService(agents, store), store, scheduler, reporter, pipeline,
                     concurrency=8, audit=audit, peer_wait=peer_wait,
                     **({} if peers is None else {"peers_reachable": peers}))
    dispatcher = Dispatcher(board, scheduler, host, reporter, interval=0.01, upkeep_interval=1)
    return Wiring(store, board, alerts, pipeline, host, dispatcher)


async def settle(wiring: Wiring) -> None:
    """Dispatch until nothing is running and nothing more starts."""
    for _ in range(50):
        started = await wiring.dispatcher.dispatch_once()
        while wiring.host.running:
            await asyncio.sleep(0.01)
        if not started:
            return


async def test_ready_tasks_run_concurrently_on_built_in_agents_and_are_reported(
        db: DatabaseConnection) -> None:
    board = Board(ready("a"), ready("b"), ready("c", role="summarizer"))
    wiring = wire(db, board, Pipeline(delay=0.1))

    await settle(wiring)

    assert board.states == {t: "SUCCEEDED" for t in board.states}
    assert board.results[f"{GOAL}/tasks/a"].endswith("agents/builtin-executor-h1")
    assert wiring.pipeline.most == 3  # all three at once
    agents = {a.id: a for a in (await agent_repository(db).list("acme", PageRequest.of(0, ""))
                                ).items}
    assert set(agents) == {"builtin-executor-h1", "builtin-summarizer-h1"}
    assert agents["builtin-executor-h1"].failure_strategy is FailureStrategy.REASSIGN
    executions = (await wiring.store.list_executions("acme", PageRequest.of(0, ""))).items
    assert sorted(e.state for e in executions) == [ExecutionState.SUCCEEDED] * 3
    assert await wiring.store.unreported(10) == []


async def test_a_tenant_with_its_own_agents_of_a_role_gets_no_built_in_one(
        db: DatabaseConnection) -> None:
    await AgentService(agent_repository(db)).create(Agent(
        tenant="acme", id="mine", display_name="mine", role="executor", max_concurrency=1))
    wiring = wire(db, Board(ready("a")), Pipeline())

    assert await wiring.dispatcher.dispatch_once() == 1

    [assignment] = (await wiring.store.list_assignments("acme", PageRequest.of(0, ""))).items
    assert assignment.agent == "mine" and assignment.state is AssignmentState.RUNNING
    assert wiring.host.running == 0  # an external agent's work is not run here


async def test_an_escalated_failure_pauses_the_goal_returns_the_task_and_raises_one_alert(
        db: DatabaseConnection) -> None:
    board = Board(ready("review", role="critic"))
    wiring = wire(db, board, Pipeline(failing=frozenset({"critic"})))

    await wiring.dispatcher.dispatch_once()
    while wiring.host.running:
        await asyncio.sleep(0.01)
    await wiring.dispatcher.upkeep()  # a second report of the same outcome changes nothing

    assert board.calls[0] == ("RUNNING", "review")
    assert board.calls[1][0] == "PAUSE" and "CRITIC_FAILED" in board.calls[1][1]
    assert board.calls[2] == ("READY", "review")
    assert board.states[f"{GOAL}/tasks/review"] == "READY"
    [alert] = wiring.alerts.raised
    assert alert.labels["task"] == f"{GOAL}/tasks/review" and "TODO" in alert.description
    [assignment] = (await wiring.store.list_assignments("acme", PageRequest.of(0, ""))).items
    assert assignment.state is AssignmentState.ESCALATED and assignment.reported


async def test_outcomes_the_planner_missed_are_reported_by_the_sweep(
        db: DatabaseConnection) -> None:
    board = Board(ready("a"))
    wiring = wire(db, board, Pipeline())
    board.down = True  # neither the start nor the success reaches the planner

    await wiring.dispatcher.dispatch_once()
    while wiring.host.running:
        await asyncio.sleep(0.01)
    assert board.states[f"{GOAL}/tasks/a"] == "READY"
    assert len(await wiring.store.unreported(10)) == 1

    board.down = False
    await wiring.dispatcher.upkeep()

    assert board.calls == [("SUCCEEDED", "a"), ("RUNNING", "a"), ("SUCCEEDED", "a")]
    assert board.states[f"{GOAL}/tasks/a"] == "SUCCEEDED"
    assert await wiring.store.unreported(10) == []


async def test_a_restarted_host_runs_what_its_agents_were_running_exactly_once(
        db: DatabaseConnection) -> None:
    board = Board(ready("a"), ready("b"))
    first = wire(db, board, Pipeline(delay=30))
    await first.dispatcher.dispatch_once()
    assert first.host.running == 2
    await first.host.stop()  # the replica dies mid-task

    second = wire(db, board, Pipeline(delay=0.01))
    await second.host.start()
    while second.host.running:
        await asyncio.sleep(0.01)

    assert sorted(second.pipeline.runs) == ["a", "b"]
    assert board.states == {t: "SUCCEEDED" for t in board.states}
    executions = (await second.store.list_executions("acme", PageRequest.of(0, ""))).items
    assert sorted(e.state for e in executions) == [ExecutionState.SUCCEEDED] * 2
    assert await second.host.recover() == 0


class SlowBoard(Board):
    """A planner that holds every start report until ``answer`` is set."""

    def __init__(self, *tasks: ReadyTask) -> None:
        super().__init__(*tasks)
        self.answer = asyncio.Event()

    async def started(self, task: str, attempts: int) -> None:
        await self.answer.wait()
        await super().started(task, attempts)


async def test_the_sweep_leaves_a_report_under_way_alone(db: DatabaseConnection) -> None:
    board = SlowBoard(ready("a"))
    wiring = wire(db, board, Pipeline())

    assert await wiring.dispatcher.dispatch_once() == 1
    await asyncio.sleep(0.05)  # the start report waits for the planner
    assert len(await wiring.store.unreported(10)) == 1
    # Not queued behind the report under way (which would also hold the dispatch loop).
    await asyncio.wait_for(wiring.dispatcher.upkeep(), timeout=1)
    board.answer.set()
    while wiring.host.running or await wiring.store.unreported(10):
        await asyncio.sleep(0.01)

    assert board.calls == [("RUNNING", "a"), ("SUCCEEDED", "a")]


async def test_each_attempt_is_audited_as_the_orchestrators_call_for_its_agent(
        db: DatabaseConnection) -> None:
    board = Board(ready("a"))
    outbox = AuditOutbox(db)
    wiring = wire(db, board, Pipeline(failing=frozenset({"critic"})),
                  audit=AuditRecorder("orchestrator", outbox))
    await settle(wiring)
    review = ready("review", role="critic")
    board.waiting.append(review)
    board.states[review.name] = "READY"
    await wiring.dispatcher.dispatch_once()  # the critic fails once (escalated: no retry)
    while wiring.host.running:
        await asyncio.sleep(0.01)

    executions = {e.task.rsplit("/", 1)[-1]: e for e in
                  (await wiring.store.list_executions("acme", PageRequest.of(0, ""))).items}
    entries = await outbox.due(10)
    assert sorted((e.resource, e.actor, e.on_behalf_of, e.action, e.outcome)
                  for e in entries) == sorted([
        (f"tenants/acme/executions/{executions['a'].id}", "services/agent-orchestrator",
         "tenants/acme/agents/builtin-executor-h1", "orchestrator.complete_execution",
         "SUCCESS"),
        (f"tenants/acme/executions/{executions['review'].id}", "services/agent-orchestrator",
         "tenants/acme/agents/builtin-critic-h1", "orchestrator.complete_execution",
         "FAILURE"),
    ])


async def test_an_attempt_that_ended_meanwhile_writes_no_audit_entry(
        db: DatabaseConnection) -> None:
    outbox = AuditOutbox(db)
    wiring = wire(db, Board(ready("a")), Pipeline(), audit=AuditRecorder("orchestrator", outbox))
    await settle(wiring)
    [execution] = (await wiring.store.list_executions("acme", PageRequest.of(0, ""))).items
    [assignment] = (await wiring.store.list_assignments("acme", PageRequest.of(0, ""))).items
    before = len(await outbox.due(10))

    result = ExecutionResult(Scheduler(wiring.store, agent_repository(db)), assignment, execution,
                             AuditRecorder("orchestrator", outbox))
    with pytest.raises(FailedPrecondition):
        await result.complete(output="again")

    assert len(await outbox.due(10)) == before == 1


class Failing:
    """A pipeline whose runs raise ``errors`` in turn (an error's factory), then succeed."""

    def __init__(self, *errors: Callable[[], Exception]) -> None:
        self.errors = list(errors)
        self.runs = 0

    def __call__(self, results: ResultStore) -> AgentRunner:
        pipeline = self

        class Runner:
            async def run(self, agent: AgentType, task: agent_io_pb2.AgentInput, *,
                          tenant: str, agent_name: str, attempt: int) -> AgentRun:
                pipeline.runs += 1
                if pipeline.errors:
                    raise pipeline.errors.pop(0)()
                await results.store(task.task, f"{task.title} done")
                return AgentRun(output=agent_io_pb2.ExecutorOutput(), result="", completion="",
                                prompt_version="v1")

        return Runner()


def peer_down() -> Exception:
    return Unavailable("127.0.0.1:1 unreachable", reason=PEER_UNAVAILABLE)


def circuit_open() -> Exception:
    return Unavailable("circuit open for 127.0.0.1:1", reason=CIRCUIT_OPEN)


def peer_timed_out() -> Exception:
    return DeadlineExceeded("deadline exceeded", reason=PEER_UNAVAILABLE)


class Peers:
    """The pipeline's peers: reachable once ``back`` is set; counts the waits."""

    def __init__(self, back: bool = True) -> None:
        self.back = asyncio.Event()
        if back:
            self.back.set()
        self.waits = 0

    async def __call__(self, timeout: float) -> bool:
        self.waits += 1
        try:
            await asyncio.wait_for(self.back.wait(), timeout)
        except TimeoutError:
            return False
        return True


async def run_until_quiet(wiring: Wiring, scheduler: Scheduler) -> None:
    """Dispatch, start due retries and report until nothing runs or is due."""
    for _ in range(50):
        await settle(wiring)
        claimed = await scheduler.claim_due()
        await wiring.host.recover()
        while wiring.host.running:
            await asyncio.sleep(0.01)
        await wiring.dispatcher.upkeep()
        if not claimed:
            return


async def test_an_attempt_failed_only_by_unreachable_peers_runs_again_once_they_are_back(
        db: DatabaseConnection) -> None:
    board = Board(ready("a"))
    peers = Peers(back=False)
    pipeline = Failing(peer_down, circuit_open, peer_timed_out)
    wiring = wire(db, board, pipeline, peers=peers)

    await wiring.dispatcher.dispatch_once()
    while not peers.waits:
        await asyncio.sleep(0.01)
    assert wiring.host.running == 1  # waiting for the peers, the attempt not ended
    peers.back.set()  # the restarted peer is reachable again
    while wiring.host.running:
        await asyncio.sleep(0.01)
    await wiring.dispatcher.upkeep()

    assert pipeline.runs == 4
    [execution] = (await wiring.store.list_executions("acme", PageRequest.of(0, ""))).items
    assert (execution.state, execution.attempt) == (ExecutionState.SUCCEEDED, 1)
    assert board.states[f"{GOAL}/tasks/a"] == "SUCCEEDED"
    assert board.attempts[f"{GOAL}/tasks/a"] == 1


@pytest.mark.parametrize("error", [
    lambda: Unavailable("every provider failed"),  # the runtime answered: the model's error
    lambda: DeadlineExceeded("the model took too long"),
    lambda: AgentFailure("OUTPUT_INVALID", "not JSON"),
])
async def test_a_failure_the_peers_answered_with_spends_the_attempt(
        db: DatabaseConnection, error: Callable[[], Exception]) -> None:
    board = Board(ready("a"))
    peers = Peers()
    pipeline = Failing(error)
    wiring = wire(db, board, pipeline, peers=peers)
    scheduler = Scheduler(wiring.store, agent_repository(db), failure=at_once_failures)

    await run_until_quiet(wiring, scheduler)

    assert pipeline.runs == 2 and peers.waits == 0
    executions = (await wiring.store.list_executions("acme", PageRequest.of(0, ""))).items
    assert sorted((e.attempt, e.state) for e in executions) == [
        (1, ExecutionState.FAILED), (2, ExecutionState.SUCCEEDED)]
    assert board.attempts[f"{GOAL}/tasks/a"] == 2


async def test_an_attempt_waits_for_unreachable_peers_only_so_long(
        db: DatabaseConnection) -> None:
    board = Board(ready("a"))
    pipeline = Failing(*[peer_down] * 1000)
    wiring = wire(db, board, pipeline, peers=Peers(back=False), peer_wait=0.3)

    await wiring.dispatcher.dispatch_once()
    while wiring.host.running:
        await asyncio.sleep(0.01)

    [execution] = (await wiring.store.list_executions("acme", PageRequest.of(0, ""))).items
    assert execution.state is ExecutionState.FAILED
    assert execution.error.startswith(PEER_UNAVAILABLE)


async def test_the_planner_hears_of_every_attempt_retries_included(
        db: DatabaseConnection) -> None:
    board = Board(ready("a"))
    rejected = lambda: AgentFailure("QUALITY_REJECTED", "too short")  # noqa: E731
    wiring = wire(db, board, Failing(rejected, rejected))
    scheduler = Scheduler(wiring.store, agent_repository(db), failure=at_once_failures)
    heard: list[tuple[str, int]] = []
    told = board._move

    async def move(task: str, state: str, attempts: int, allowed: tuple[str, ...]) -> None:
        heard.append((state, attempts))
        await told(task, state, attempts, allowed)

    board._move = move  # type: ignore[method-assign]

    await run_until_quiet(wiring, scheduler)

    executions = (await wiring.store.list_executions("acme", PageRequest.of(0, ""))).items
    assert sorted(e.attempt for e in executions) == [1, 2, 3]
    assert ("RUNNING", 2) in heard and ("RUNNING", 3) in heard  # each retry's start
    assert heard[-1] == ("SUCCEEDED", 3)
    assert board.attempts[f"{GOAL}/tasks/a"] == 3


async def test_an_escalated_task_resumed_goes_on_counting_its_attempts(
        db: DatabaseConnection) -> None:
    board = Board(ready("review", role="critic"))
    pipeline = Pipeline(failing=frozenset({"critic"}))
    wiring = wire(db, board, pipeline)
    await wiring.dispatcher.dispatch_once()
    while wiring.host.running:
        await asyncio.sleep(0.01)
    name = f"{GOAL}/tasks/review"
    assert (board.states[name], board.attempts[name]) == ("READY", 1)  # escalated

    pipeline.failing = frozenset()  # the operator dealt with it and resumed the goal
    await settle(wiring)

    executions = (await wiring.store.list_executions("acme", PageRequest.of(0, ""))).items
    assert sorted(e.attempt for e in executions) == [1, 2]
    assert (board.states[name], board.attempts[name]) == ("SUCCEEDED", 2)
