"""What runs in the ai-quality-gate's rule-evaluation worker processes: compiling a policy's
rules and running them on an output.

Kept apart from the pool (:mod:`.evaluation`) so that a worker imports only the rules and what
they need (RE2, JSON, JSON Schema), not the server's gRPC, protobuf and SQLAlchemy: a worker is
a process of its own, started at spawn from nothing, and what it imports it holds in memory
for as long as the server runs.
"""

from __future__ import annotations

import dataclasses
import functools
import os
import threading
import time
from collections.abc import Sequence

from services.ai_quality_gate.core.findings import Finding, Rule
from services.ai_quality_gate.core.rules import RuleCheck, RuleConfigError, compile_rule, evaluate


@dataclasses.dataclass(frozen=True)
class RuleProblem:
    """Why the rule at ``index`` of a policy does not compile."""

    index: int
    problem: str


@dataclasses.dataclass(frozen=True)
class Evaluation:
    """The findings and score of an output, or the rules that do not compile (then nothing
    was evaluated)."""

    findings: list[Finding] = dataclasses.field(default_factory=list)
    score: float = 0.0
    problems: list[RuleProblem] = dataclasses.field(default_factory=list)


@functools.lru_cache(maxsize=256)
def _compiled(rule: Rule) -> RuleCheck:
    return compile_rule(rule)


def _compile_all(rules: Sequence[Rule]) -> tuple[list[RuleCheck], list[RuleProblem]]:
    checks, problems = [], []
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


def evaluate_in_worker(rules: tuple[Rule, ...], text: str) -> Evaluation:
    """Compile ``rules`` and run them on ``text`` (run in a worker process)."""
    checks, problems = _compile_all(rules)
    if problems:
        return Evaluation(problems=problems)
    findings, score = evaluate(checks, text)
    return Evaluation(findings, score)
