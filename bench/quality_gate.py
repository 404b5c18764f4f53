"""The ai-quality-gate's judgement of one agent output, in this process: the built-in default
policy's rules on a realistic 2 KB executor answer, against parsing the same answer as JSON.

Usage: python -m bench.quality_gate [--runs 2000] [--rpc-runs 300]

Measured: what a rule-evaluation worker runs for ValidateOutput (the compiled rules, cached
as in the worker, run on the output: SECRETS, PII, REFUSAL, CLAIMED_TOOLS and OUTPUT_SCHEMA
with the agent's output schema sent; the content quality; the redaction) and the judgement of
its findings (score, verdict, action). No RPC, no database, no worker process hop. The
baseline is ``json.loads`` of the same output, timed alternately with it so that drift in the
machine's load hits both alike. Target (issue #23): judgement p50 under 5 ms.

Then the whole ValidateOutput RPC as the agent pipeline makes it, on a gate server started in
this process (its worker processes, its SQLite database, the validation stored), against the
gate's health Check on the same channel as the baseline, alternated: what the gate adds to a
task.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import statistics
import time
from collections.abc import Callable

from grpc_health.v1 import health_pb2

from bench.quality_gate_health import serving_gate
from cognition.quality.v1 import quality_service_pb2 as pb
from services.ai_quality_gate.core.default_policy import default_policy
from services.ai_quality_gate.core.findings import Submission
from services.ai_quality_gate.core.judgement import judge
from services.ai_quality_gate.core.rule_worker import evaluate_in_worker

TARGET_P50_MS = 5.0
TOOLS = ("execute_python", "http_request", "memory_search", "web_search", "read_file",
         "write_file", "list_directory", "send_email")
SCHEMA = json.dumps({
    "type": "object", "required": ["summary", "steps", "result"],
    "properties": {
        "summary": {"type": "string", "minLength": 10},
        "steps": {"type": "array", "items": {"type": "object", "required": ["action"],
                                              "properties": {"action": {"type": "string"},
                                                             "tool": {"type": "string"}}}},
        "result": {"type": "string"},
        "confidence": {"type": "number", "minimum": 0, "maximum": 1},
    },
})


def agent_output() -> str:
    """An executor's answer of about 2 KB: JSON with prose, steps, figures, a path and a
    contact e-mail address (which PII finds and redacts), one tool claimed that ran."""
    steps = [
        {"action": "Fetched the last 30 days of order events from the warehouse API using "
                   "http_request, 4,812 events in 5 pages.", "tool": "http_request"},
        {"action": "Grouped the events by region and computed the weekly return rate with "
                   "execute_python; the script is in /tmp/returns_by_region.py.",
         "tool": "execute_python"},
        {"action": "Compared the rates with the previous quarter's baseline (3.1 %) and "
                   "flagged regions above 4 %."},
        {"action": "Checked the two flagged regions week by week to rule out a single bad "
                   "week; both stayed above 4 % for three of the four weeks."},
        {"action": "Drafted the note for the operations lead and listed the open questions."},
    ]
    result = (
        "Returns rose in two regions. North-East: 5.2 % (baseline 3.0 %), driven by size "
        "exchanges on footwear after the 12 March catalogue change; 61 % of those returns "
        "cite 'runs small'. Pacific: 4.4 % (baseline 3.3 %), concentrated in one carrier's "
        "late deliveries (median 6.1 days against 3.4 elsewhere). Every other region stayed "
        "within 0.4 points of its baseline. Recommended next steps: correct the size chart "
        "for the three footwear lines, ask the Pacific carrier for its March exception "
        "report, and re-run this analysis in two weeks. Questions for the operations lead: "
        "should exchanges count as returns in the weekly report, and is the Pacific "
        "carrier's contract up for renewal? Contact for the data: ops-analytics@example.com.")
    answer = {
        "summary": "Weekly return rates by region for the last 30 days, with the two regions "
                   "above threshold explained and next steps proposed.",
        "steps": steps, "result": result, "confidence": 0.82,
        "notes": "Figures exclude 37 events with no region code (0.8 % of the total); "
                 "including them would not change which regions are flagged. The baseline "
                 "is the mean weekly rate of the previous quarter, per region, as defined in "
                 "the analytics handbook, section 4.2; weeks start on Monday, UTC. The "
                 "warehouse API capped pages at 1,000 events; no page was truncated, and the "
                 "event count matches the dashboard's total for the same days.",
    }
    return json.dumps(answer, ensure_ascii=False, indent=1)


def timings(function: Callable[[], object], other: Callable[[], object], runs: int
            ) -> tuple[list[float], list[float]]:
    """Milliseconds of each of ``runs`` calls of ``function`` and of ``other``, alternated."""
    first: list[float] = []
    second: list[float] = []
    for _ in range(runs):
        for call, into in ((function, first), (other, second)):
            started = time.perf_counter()
            call()
            into.append((time.perf_counter() - started) * 1000)
    return first, second


def percentile(values: list[float], q: int) -> float:
    return statistics.quantiles(values, n=100)[q - 1]


def run(runs: int) -> None:
    text = agent_output()
    policy = default_policy("bench")
    rules = tuple(policy.rules)
    submission = Submission(text, SCHEMA, TOOLS, ("http_request", "execute_python"))

    def judgement() -> object:
        evaluation = evaluate_in_worker(rules, submission)
        return judge(policy, evaluation.findings, 0)

    def baseline() -> object:
        return json.loads(text)

    evaluation = evaluate_in_worker(rules, submission)  # compiles and caches, as a worker does
    decided = judge(policy, evaluation.findings, 0)
    timings(judgement, baseline, min(runs, 100))  # warm
    gate, parse = timings(judgement, baseline, runs)

    print(f"{os.cpu_count()} CPUs, load average {os.getloadavg()[0]:.2f}; {runs} runs; output "
          f"{len(text.encode())} bytes; default policy ({len(rules)} rules) with the output "
          f"schema and {len(TOOLS)} known tools")
    print(f"judged: {[f.category or f.kind for f in evaluation.findings]}, score "
          f"{decided.score}, {decided.verdict.value}, {decided.action.value}")
    print(f"{'':<22}{'p50 ms':>9}{'p90 ms':>9}")
    for name, values in (("gate (evaluate+judge)", gate), ("json.loads baseline", parse)):
        print(f"{name:<22}{percentile(values, 50):>9.3f}{percentile(values, 90):>9.3f}")
    p50 = percentile(gate, 50)
    print(f"ratio gate/json.loads: p50 x{p50 / percentile(parse, 50):.1f}, p90 "
          f"x{percentile(gate, 90) / percentile(parse, 90):.1f}")
    print(f"gate p50 {p50:.3f} ms (target < {TARGET_P50_MS:.0f} ms) "
          f"{'PASS' if p50 < TARGET_P50_MS else 'MISS'}")


async def rpc_timings(runs: int) -> tuple[list[float], list[float]]:
    """Milliseconds of ValidateOutput (default policy, the 2 KB answer) and of the health
    Check, alternated, against a gate server in this process."""
    request = pb.ValidateOutputRequest(
        parent="tenants/acme", content=agent_output(), subject="tenants/acme/goals/g/tasks/t",
        agent_type="executor", prompt_version="executor/v1", output_schema=SCHEMA,
        known_tools=list(TOOLS), tools_used=["http_request", "execute_python"])
    async with serving_gate() as (stub, health):

        async def validate() -> object:
            return await stub.ValidateOutput(request, timeout=30)

        async def check() -> object:
            return await health.Check(health_pb2.HealthCheckRequest(), timeout=30)

        validated: list[float] = []
        checked: list[float] = []
        for count in (50, runs):  # the first 50 warm the workers and the database
            validated, checked = [], []
            for _ in range(count):
                for call, into in ((validate, validated), (check, checked)):
                    started = time.perf_counter()
                    await call()
                    into.append((time.perf_counter() - started) * 1000)
    return validated, checked


def report_rpc(validated: list[float], checked: list[float]) -> None:
    print(f"{'':<22}{'p50 ms':>9}{'p90 ms':>9}")
    for name, values in (("ValidateOutput RPC", validated), ("health Check RPC", checked)):
        print(f"{name:<22}{percentile(values, 50):>9.3f}{percentile(values, 90):>9.3f}")
    print(f"ratio ValidateOutput/Check: p50 x"
          f"{percentile(validated, 50) / percentile(checked, 50):.1f}; the gate adds "
          f"{percentile(validated, 50) - percentile(checked, 50):.2f} ms to a task at the p50")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=2000)
    parser.add_argument("--rpc-runs", type=int, default=300)
    args = parser.parse_args()
    run(args.runs)
    report_rpc(*asyncio.run(rpc_timings(args.rpc_runs)))


if __name__ == "__main__":
    main()
