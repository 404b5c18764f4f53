"""What runs in the ai-quality-gate's rule-evaluation worker processes: compiling a policy's
rules and running them on an output.

Kept apart from the pool (:mod:`.evaluation`) so that a worker imports only the rules and what
they need (RE2, JSON, JSON Schema), not the server's gRPC, protobuf and SQLAlchemy: a worker is
a process of its own, started at spawn from nothing, and what it imports it holds in memory
for as long as the server runs.
"""

from __future__ import annotations

import functools
import os
import threading
import time
from collections.abc import Sequence

from services.ai_quality_gate.core.checks import Check, RuleConfigError
from services.ai_quality_gate.core.findings import Rule, Submission
from services.ai_quality_gate.core.rules import Evaluation, RuleProblem, compile_rule, evaluate

__all__ = ["Evaluation", "RuleProblem", "check_in_worker", "evaluate_in_worker", "start_worker",
           "started"]


@functools.lru_cache(maxsize=256)
def _compiled(rule: Rule) -> Check:
    return compile_rule(rule)


def _compile_all(rules: Sequence[Rule]) -> tuple[list[Check], list[RuleProblem]]:
    checks: list[Check] = []
    problems: list[RuleProblem] = []
    for index, rule in enumerate(rules):
        try:
            checks.append(_compiled(rule))
        except RuleConfigError as error:
            problems.append(RuleProblem(index, str(error)))
    return checks, problems


# Workers yield the CPU to the server's own threads when cores are short, so that a
# saturated machine still answers health checks and small calls promptly.
WORKER_NICENESS = 10
_PARENT_CHECK_SECONDS = 0.5


def start_worker(parent: int) -> None:
    """In each worker: lower its priority, and end it when the server, process ``parent``,
    dies (a killed server cannot shut its pool down, and its workers would live on; it may
    even die while a worker still starts)."""
    os.nice(WORKER_NICENESS)

    def exit_with_parent() -> None:
        while os.getppid() == parent:
            time.sleep(_PARENT_CHECK_SECONDS)
        os._exit(1)

    threading.Thread(target=exit_with_parent, name="exit-with-parent", daemon=True).start()


def started() -> bool:
    """Run once in each worker as it starts, so that it has imported this module."""
    return True


def check_in_worker(rules: tuple[Rule, ...]) -> list[RuleProblem]:
    """What is wrong with each rule (run in a worker process)."""
    return _compile_all(rules)[1]


def evaluate_in_worker(rules: tuple[Rule, ...], submission: Submission) -> Evaluation:
    """Compile ``rules`` and run them on ``submission`` (run in a worker process)."""
    checks, problems = _compile_all(rules)
    if problems:
        return Evaluation(problems=problems)
    return evaluate(checks, submission)
