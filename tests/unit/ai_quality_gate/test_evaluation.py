"""The rule evaluator's worker processes: rules compile and run there, and they end with the
server even when it is killed."""

from __future__ import annotations

import asyncio
import pathlib
import sys

from services.ai_quality_gate.core.evaluation import RuleEvaluator, RuleProblem
from services.ai_quality_gate.core.models import Rule, RuleKind
from tests.helpers import assert_eventually

ROOT = pathlib.Path(__file__).resolve().parents[3]

# A server's process, as far as its workers are concerned: it starts them, says who they
# are, and is killed.
KILLED_SERVER = """
import asyncio, multiprocessing, os, signal
from services.ai_quality_gate.core.evaluation import RuleEvaluator
from services.ai_quality_gate.core.models import Rule, RuleKind

async def main():
    evaluator = RuleEvaluator()
    await evaluator.check([Rule(RuleKind.MAX_LENGTH, '{"max": 3}')])
    print(" ".join(str(p.pid) for p in multiprocessing.active_children()), flush=True)
    os.kill(os.getpid(), signal.SIGKILL)

if __name__ == "__main__":
    asyncio.run(main())
"""


async def test_rules_compile_and_run_in_the_workers(evaluator: RuleEvaluator) -> None:
    rules = [Rule(RuleKind.MAX_LENGTH, '{"max": 3}'),
             Rule(RuleKind.FORBIDDEN_PATTERNS, '{"patterns": ["(a)\\\\1"]}')]
    assert await evaluator.check(rules) == [
        RuleProblem(1, "`patterns[0]`: backreferences (\\1…) are not supported in RE2 syntax "
                       "(invalid escape sequence: \\1)")]
    refused = await evaluator.evaluate(rules, "hello")
    assert (refused.findings, [p.index for p in refused.problems]) == ([], [1])
    evaluated = await evaluator.evaluate(rules[:1], "hello")
    assert [f.message for f in evaluated.findings] == [
        "output has 5 characters, more than the maximum 3"]


def _alive(pid: int) -> bool:
    try:
        stat = pathlib.Path(f"/proc/{pid}/stat").read_text()
    except FileNotFoundError:
        return False
    return stat.rsplit(")", 1)[1].split()[0] != "Z"  # a zombie has ended


async def test_workers_end_when_their_server_is_killed() -> None:
    server = await asyncio.create_subprocess_exec(
        sys.executable, "-c", KILLED_SERVER, cwd=ROOT, stdout=asyncio.subprocess.PIPE)
    output, _ = await asyncio.wait_for(server.communicate(), timeout=60)
    workers = [int(pid) for pid in output.split()]
    assert len(workers) == 2 and server.returncode == -9

    async def ended() -> bool:
        return not any(_alive(pid) for pid in workers)

    await assert_eventually(ended, timeout=10, message="the workers end with their server")
