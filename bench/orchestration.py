"""What running a task through the agent core costs beyond the model call, and whether
independent tasks of one goal really run side by side.

Usage: python -m bench.orchestration [--goals 30] [--latency-ms 50] [--fanout 100]
       [--fanout-latency-ms 200] [--runs 2] [--quick]

Both parts start the whole mesh (11 services + Envoy, edge authentication on, offline
provider), sign in with the bootstrap key and create goals with an explicit plan, so the
planner agent is skipped and the tasks are READY at once. Each executor task then goes the
whole way: the orchestrator's dispatch loop takes it from the planner (ListReadyTasks), assigns
it to the built-in executor, reports it started (UpdateTask), runs the agent pipeline (memory
search, Complete on the ai-runtime; the executor declares no quality-gate policy, so the gate
is not called) and completes the execution, then reports it SUCCEEDED to the planner. Times
come from the services' own records (planner: goals' create/update and tasks' start/end times;
orchestrator: executions' start/end times; ai-runtime: each completion's provider latency and
its create time, stamped when the provider answered), so how the client waits does not blur
them; the client's own wall time is printed beside them. The planner stamps a task's start and
end when the UpdateTask arrives, before it waits for the goal's lock; the goal's update time
is stamped at the commit.

1. Overhead (target: under 15 ms p50 per task). A mesh whose offline provider sleeps
   ``--latency-ms`` per call runs ``--goals`` goals one after another, each a chain of two
   executor tasks (t1 -> t2), each goal created at a random phase of the dispatch loop. Per
   task, ``model`` is the recorded provider latency of its completion (the baseline, measured
   in the same run), and

   - ``ready -> succeeded`` = the planner's task end time minus the time the task became READY
     (the goal's create time for t1, t1's end time for t2), minus ``model``: all the platform
     adds to the model call;
   - ``dispatch wait`` = the execution's start minus READY: the orchestrator long-polls the
     planner's ready tasks, which answers as soon as a plan is stored (t1) or a dependency
     succeeded (t2);
   - ``hops`` = the planner's task end time minus the execution's start, minus ``model``: the
     pipeline's calls and the reports through the mesh, without the wait for a round; split
     into the legs between the recorded instants (execution start, planner's task start, model
     call start and end, execution end, planner's task end);
   - ``agent pipeline`` = the execution's end minus its start, minus ``model``: the agent
     pipeline alone (memory, the runtime's Complete, quality gate, the execution's end and its
     audit entry), without telling the planner.

2. Fan-out (target: 100 tasks of 200 ms each in under 2 s). A second mesh, its provider
   sleeping ``--fanout-latency-ms`` and its built-in agents allowed 128 tasks at once, runs one
   goal of ``--fanout`` independent executor tasks ``--runs`` times. It prints the wall time
   from CreateGoal to SUCCEEDED (watched with WatchGoal) against one model call (the floor)
   and all model calls in a row (serial), the most executions and model calls that overlapped,
   and when executions started, model calls ran and tasks ended.

``--quick``: 8 goals and one fan-out run (about 40 s instead of 60 s).
"""

from __future__ import annotations

import argparse
import asyncio
import itertools
import pathlib
import random
import statistics
import tempfile
import time
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass

import grpc
from google.protobuf import timestamp_pb2

from cognition.orchestrator.v1 import execution_pb2
from cognition.orchestrator.v1 import orchestrator_service_pb2 as orch_pb
from cognition.orchestrator.v1 import orchestrator_service_pb2_grpc as orch_grpc
from cognition.planner.v1 import goal_pb2, plan_pb2, task_pb2
from cognition.planner.v1 import planner_service_pb2 as pb
from cognition.planner.v1 import planner_service_pb2_grpc as pb_grpc
from cognition.runtime.v1 import runtime_service_pb2 as rt_pb
from cognition.runtime.v1 import runtime_service_pb2_grpc as rt_grpc
from cognos.credentials import bearer_credentials, ensure_tenant, issue_token, read_secret
from cognos.mesh.supervisor import Mesh, MeshLayout
from shared.database.admin import drop_schemas
from shared.mesh.registry import SERVICES

TENANT = "bench"
OVERHEAD_TARGET_MS = 15.0
DISPATCH_INTERVAL_S = 0.25  # goals are created at a random phase of this period
FANOUT_TARGET_S = 2.0
ORCHESTRATOR = "COGNOS_AGENT_ORCHESTRATOR_"
TITLE = "Bench step "
ENDED = (goal_pb2.GOAL_STATE_SUCCEEDED, goal_pb2.GOAL_STATE_FAILED,
         goal_pb2.GOAL_STATE_CANCELLED, goal_pb2.GOAL_STATE_PAUSED)


@dataclass
class Stubs:
    planner: pb_grpc.PlannerServiceStub
    orchestrator: orch_grpc.OrchestratorServiceStub
    runtime: rt_grpc.RuntimeServiceStub
    bearer: tuple[tuple[str, str], ...]  # for streams: grpc.aio intercepts only unary calls here


@dataclass(frozen=True)
class GoalRun:
    """One goal run to its end, with what the services recorded about it."""

    goal: goal_pb2.Goal
    client_s: float  # CreateGoal sent -> WatchGoal told it ended
    tasks: dict[str, task_pb2.Task]  # by task id
    executions: dict[str, list[execution_pb2.Execution]]  # by task id
    model_spans: dict[str, list[tuple[float, float]]]  # task id -> its model calls (start, end)

    def model_ms(self, task_id: str) -> float:
        """The task's recorded provider latency."""
        return sum(end - start for start, end in self.model_spans[task_id]) * 1000

    def model_calls(self) -> list[tuple[float, float]]:
        return [span for spans in self.model_spans.values() for span in spans]


def percentile(values: list[float], share: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(share * len(ordered)))]


def seconds(stamp: timestamp_pb2.Timestamp) -> float:
    return stamp.seconds + stamp.nanos / 1e9


DATABASE_URL: str = ""  # --database-url: the services' data on PostgreSQL instead of SQLite


@asynccontextmanager
async def mesh_session(var: pathlib.Path, env: dict[str, str]) -> AsyncIterator[Stubs]:
    """A whole mesh with ``env``, and stubs signed in as the bootstrap admin in TENANT."""
    if DATABASE_URL:
        # Each service's schema starts empty; the previous mesh's data would mix in.
        await drop_schemas(DATABASE_URL, *(spec.package for spec in SERVICES))
        env = {**env, "COGNOS_DATABASE_URL": DATABASE_URL}
    mesh = Mesh(MeshLayout.ephemeral(var, env=env))
    await mesh.start(timeout=120)
    try:
        secret = read_secret(mesh.layout.bootstrap_key_file)
        await ensure_tenant(mesh.envoy_address, await issue_token(mesh.envoy_address, secret),
                            TENANT)
        token = await issue_token(mesh.envoy_address, secret, tenant=TENANT)

        async def bearer(_request: object) -> str:
            return token

        async with grpc.aio.insecure_channel(
                mesh.envoy_address, interceptors=bearer_credentials(bearer)) as channel:
            yield Stubs(pb_grpc.PlannerServiceStub(channel),
                        orch_grpc.OrchestratorServiceStub(channel),
                        rt_grpc.RuntimeServiceStub(channel),
                        (("authorization", f"Bearer {token}"),))
    finally:
        await mesh.stop()


def executor_task(task_id: str, depends_on: tuple[str, ...] = ()) -> task_pb2.Task:
    return task_pb2.Task(name=task_id, title=f"{TITLE}{task_id}", agent_role="executor",
                         instructions=f"Write one line of findings for step {task_id}.",
                         depends_on=list(depends_on))


async def run_goal(stubs: Stubs, tasks: list[task_pb2.Task]) -> GoalRun:
    """Create a goal with ``tasks`` as its plan, watch it to its end, collect the records."""
    started = time.perf_counter()
    goal = (await stubs.planner.CreateGoal(pb.CreateGoalRequest(
        parent=f"tenants/{TENANT}", goal=goal_pb2.Goal(description="Benchmark the agent core"),
        plan=plan_pb2.Plan(tasks=tasks, complexity=1)), timeout=10)).goal
    # WatchGoal, as `cognos run` waits: polling GetGoal often enough not to blur the client's
    # time would load the planner (and the two cores) more than the goal does.
    async for event in stubs.planner.WatchGoal(pb.WatchGoalRequest(name=goal.name),
                                               metadata=stubs.bearer, timeout=120):
        goal = event.goal
        if goal.state in ENDED:
            break
    client_s = time.perf_counter() - started
    if goal.state != goal_pb2.GOAL_STATE_SUCCEEDED:
        raise RuntimeError(f"{goal.name} ended {goal_pb2.GoalState.Name(goal.state)}")
    found = (await stubs.planner.ListTasks(pb.ListTasksRequest(parent=goal.name, page_size=1000),
                                           timeout=10)).tasks
    by_id = {t.name.rsplit("/", 1)[1]: t for t in found}
    executions: dict[str, list[execution_pb2.Execution]] = {i: [] for i in by_id}
    token = ""
    while True:  # the tenant's executions, newest runs included; keep this goal's
        page = await stubs.orchestrator.ListExecutions(orch_pb.ListExecutionsRequest(
            parent=f"tenants/{TENANT}", page_size=1000, page_token=token), timeout=10)
        for execution in page.executions:
            if execution.task.startswith(goal.name + "/"):
                executions[execution.task.rsplit("/", 1)[1]].append(execution)
        token = page.next_page_token
        if not token:
            break
    completions = (await stubs.runtime.ListCompletions(rt_pb.ListCompletionsRequest(
        parent=f"tenants/{TENANT}", page_size=1000, filter=f'goal = "{goal.name}"'),
        timeout=10)).completions
    spans: dict[str, list[tuple[float, float]]] = {i: [] for i in by_id}
    for completion in completions:
        latency = sum(a.latency.ToTimedelta().total_seconds() for a in completion.attempts)
        end = seconds(completion.create_time)  # stamped when the provider has answered
        # A completion names its goal and agent, not its task: the task's title is in the
        # prompt the pipeline sent.
        text = "\n".join(m.content for m in completion.messages)
        for task_id in by_id:
            if f"{TITLE}{task_id}\n" in text:
                spans[task_id].append((end - latency, end))
    missing = [i for i, found in spans.items() if not found]
    if missing:
        raise RuntimeError(f"no completion recorded for tasks {missing} of {goal.name}")
    return GoalRun(goal, client_s, by_id, executions, spans)


def first_start(run: GoalRun, task_id: str) -> float:
    return min(seconds(e.start_time) for e in run.executions[task_id])


# The legs of a task after it was assigned, from the services' records (see the docstring).
LEGS = ("assigned -> planner told RUNNING", "-> model call starts", "model call",
        "-> execution completed", "-> planner told SUCCEEDED")


def legs(run: GoalRun, task_id: str) -> list[float]:
    """Milliseconds of each of LEGS for one task (its last attempt)."""
    task, execution = run.tasks[task_id], run.executions[task_id][-1]
    model_start, model_end = run.model_spans[task_id][-1]
    stamps = [seconds(execution.start_time), seconds(task.start_time), model_start, model_end,
              seconds(execution.end_time), seconds(task.end_time)]
    return [(later - earlier) * 1000 for earlier, later in itertools.pairwise(stamps)]


def row(name: str, values: list[float], base: float, target: float = 0.0) -> None:
    p50 = statistics.median(values)
    verdict = ""
    if target:
        verdict = f"  (target < {target:.0f} ms) {'PASS' if p50 < target else 'MISS'}"
    print(f"   {name:46s} p50 {p50:7.1f} ms  p95 {percentile(values, 0.95):7.1f} ms  "
          f"x{p50 / base:5.2f} model{verdict}")


async def overhead(var: pathlib.Path, goals: int, latency_ms: int) -> None:
    env = {"COGNOS_AI_RUNTIME_OFFLINE_LATENCY_MS": str(latency_ms)}
    chain = [executor_task("t1"), executor_task("t2", ("t1",))]
    async with mesh_session(var, env) as stubs:
        for _ in range(2):  # warm up: built-in agent registered, connections open
            await run_goal(stubs, chain)
        runs = []
        for _ in range(goals):
            # Goals come at a random phase of the dispatch loop, as they would from users;
            # one right after another would each wait almost a whole round.
            await asyncio.sleep(random.uniform(0, DISPATCH_INTERVAL_S))
            runs.append(await run_goal(stubs, chain))
    model: list[float] = []
    total: dict[str, list[float]] = {"t1": [], "t2": []}
    wait: dict[str, list[float]] = {"t1": [], "t2": []}
    hops: list[float] = []
    pipeline: list[float] = []
    breakdown: list[list[float]] = [[] for _ in LEGS]
    goal_e2e: list[float] = []
    client: list[float] = []
    for run in runs:
        ready = {"t1": seconds(run.goal.create_time), "t2": seconds(run.tasks["t1"].end_time)}
        for task_id in ("t1", "t2"):
            spent = run.model_ms(task_id)
            model.append(spent)
            end = seconds(run.tasks[task_id].end_time)
            start = first_start(run, task_id)
            total[task_id].append((end - ready[task_id]) * 1000 - spent)
            wait[task_id].append((start - ready[task_id]) * 1000)
            hops.append((end - start) * 1000 - spent)
            last = run.executions[task_id][-1]
            pipeline.append((seconds(last.end_time) - seconds(last.start_time)) * 1000 - spent)
            for leg, value in zip(breakdown, legs(run, task_id), strict=True):
                leg.append(value)
        both = run.model_ms("t1") + run.model_ms("t2")
        goal_e2e.append((seconds(run.goal.update_time) - seconds(run.goal.create_time)) * 1000
                        - both)
        client.append(run.client_s * 1000 - both)
    base = statistics.median(model)
    print(f"1. overhead: {goals} goals of two chained executor tasks, offline latency "
          f"{latency_ms} ms")
    row("model call (recorded; the baseline)", model, base)
    row("ready -> succeeded - model, t1 (new plan)", total["t1"], base, OVERHEAD_TARGET_MS)
    row("ready -> succeeded - model, t2 (after t1)", total["t2"], base, OVERHEAD_TARGET_MS)
    row("  dispatch wait, t1", wait["t1"], base)
    row("  dispatch wait, t2", wait["t2"], base)
    row("  hops: assigned -> succeeded - model", hops, base, OVERHEAD_TARGET_MS)
    row("  agent pipeline: execution start -> end - model", pipeline, base)
    for name, values in zip(LEGS, breakdown, strict=True):
        if name != "model call":
            row(f"    {name}", values, base)
    row("goal: create -> succeeded - models", goal_e2e, base)
    row("goal at the client (WatchGoal) - models", client, base)


async def fanout(var: pathlib.Path, tasks: int, latency_ms: int, runs: int) -> None:
    env = {"COGNOS_AI_RUNTIME_OFFLINE_LATENCY_MS": str(latency_ms),
           f"{ORCHESTRATOR}BUILTIN_AGENT_CONCURRENCY": "128",
           "COGNOS_TASK_PLANNER_MAX_PLAN_TASKS": str(max(100, tasks))}
    plan = [executor_task(f"t{i}") for i in range(1, tasks + 1)]
    print(f"2. fan-out: one goal of {tasks} independent executor tasks, offline latency "
          f"{latency_ms} ms, built-in agent concurrency 128")
    async with mesh_session(var, env) as stubs:
        await run_goal(stubs, plan[:1])  # warm up: built-in agent registered
        for number in range(1, runs + 1):
            report_fanout(number, await run_goal(stubs, plan))


def most_at_once(spans: list[tuple[float, float]]) -> int:
    """The most intervals that overlap at any instant."""
    running = most = 0
    for _, step in sorted([(start, 1) for start, _ in spans] + [(end, -1) for _, end in spans]):
        running += step
        most = max(most, running)
    return most


def report_fanout(number: int, run: GoalRun) -> None:
    created = seconds(run.goal.create_time)
    model = [run.model_ms(t) for t in run.tasks]
    floor, serial = statistics.median(model) / 1000, sum(model) / 1000
    recorded = seconds(run.goal.update_time) - created
    executions = [(seconds(e.start_time), seconds(e.end_time))
                  for tried in run.executions.values() for e in tried]
    verdict = "PASS" if run.client_s < FANOUT_TARGET_S else "MISS"
    print(f"   run {number}: wall {run.client_s:5.2f} s at the client, {recorded:5.2f} s recorded"
          f"  (target < {FANOUT_TARGET_S:.0f} s) {verdict}")
    print(f"      x{run.client_s / floor:5.1f} one model call ({floor * 1000:.0f} ms), "
          f"x{run.client_s / serial:5.3f} serial ({serial:.1f} s); at most "
          f"{most_at_once(executions)} of {len(executions)} executions and "
          f"{most_at_once(run.model_calls())} of {len(run.model_calls())} model calls at once")

    def since(stamps: list[float]) -> str:
        return f"{(min(stamps) - created) * 1000:5.0f}..{(max(stamps) - created) * 1000:5.0f} ms"

    print(f"      after CreateGoal: executions start {since([s for s, _ in executions])}, "
          f"model calls start {since([s for s, _ in run.model_calls()])}, "
          f"end {since([e for _, e in run.model_calls()])}; tasks end "
          f"{since([seconds(t.end_time) for t in run.tasks.values()])}")
    failed = [e.error for tried in run.executions.values() for e in tried if e.error]
    for error, count in sorted({e: failed.count(e) for e in failed}.items()):
        print(f"      {count} attempts failed and were retried: {error[:160]}")


async def run(args: argparse.Namespace) -> None:
    with tempfile.TemporaryDirectory() as var:
        root = pathlib.Path(var)
        await overhead(root / "overhead", args.goals, args.latency_ms)
        await fanout(root / "fanout", args.fanout, args.fanout_latency_ms, args.runs)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--goals", type=int, default=30)
    parser.add_argument("--latency-ms", type=int, default=50)
    parser.add_argument("--fanout", type=int, default=100)
    parser.add_argument("--fanout-latency-ms", type=int, default=200)
    parser.add_argument("--runs", type=int, default=2, help="fan-out goals, one after another")
    parser.add_argument("--quick", action="store_true", help="8 goals and one fan-out run")
    parser.add_argument("--database-url", default="",
                        help="run the services on this PostgreSQL (their schemas are dropped "
                             "first), e.g. postgresql+asyncpg://postgres@127.0.0.1:5432/test")
    args = parser.parse_args()
    global DATABASE_URL
    DATABASE_URL = args.database_url
    if args.quick:
        args.goals, args.runs = 8, 1
    asyncio.run(run(args))


if __name__ == "__main__":
    main()
