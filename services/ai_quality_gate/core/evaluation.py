"""Compiling and running a policy's rules in worker processes, so that no policy and no output
holds the server.

A thread is not enough: parsing a 1 MB output as JSON or scoring it are single C calls that
keep the GIL for hundreds of milliseconds, and compiling a policy's patterns takes seconds of
it, so the event loop (and its health checks) would stall. A worker process has its own GIL.
"""

from __future__ import annotations

import asyncio
import concurrent.futures
import multiprocessing
import os
from collections.abc import Callable, Sequence
from typing import Any, TypeVar

from services.ai_quality_gate.core.findings import Rule, Submission
from services.ai_quality_gate.core.rule_worker import (
    Evaluation,
    RuleProblem,
    check_in_worker,
    evaluate_in_worker,
    start_worker,
    started,
)
from shared.errors import Unavailable

__all__ = ["Evaluation", "RuleEvaluator", "RuleProblem"]

T = TypeVar("T")

# Outputs up to this size are judged in the serving process: the rules (RE2, linear in the
# text) take well under a millisecond on them, less than the hop to a worker; larger ones go
# to a worker so that no output stalls the server's other calls.
INLINE_BYTES = 16 * 1024


class RuleEvaluator:
    """Compiles and runs rules: on small outputs in this process, on others in a pool of
    ``workers`` processes, where further calls wait their turn.

    The pool starts in a thread (:meth:`start`, or the first call): starting processes takes
    a few hundred milliseconds of the starting thread, which must not be the event loop's.

    Args:
        workers: Processes, so at most this many validations run at once.
    """

    def __init__(self, workers: int = 2) -> None:
        self._workers = workers
        self._pool: asyncio.Task[concurrent.futures.ProcessPoolExecutor] | None = None

    def start(self) -> None:
        """Start the workers in the background, unless they are started or starting."""
        if self._pool is None:
            self._pool = asyncio.get_running_loop().create_task(asyncio.to_thread(self._spawn))

    def _spawn(self) -> concurrent.futures.ProcessPoolExecutor:
        pool = concurrent.futures.ProcessPoolExecutor(
            self._workers, mp_context=multiprocessing.get_context("spawn"),
            initializer=start_worker, initargs=(os.getpid(),))
        try:
            for ready in [pool.submit(started) for _ in range(self._workers)]:
                ready.result()
        except BaseException:
            pool.shutdown(wait=False, cancel_futures=True)
            raise
        return pool

    async def check(self, rules: Sequence[Rule]) -> list[RuleProblem]:
        """Why each rule that does not compile does not (empty: all compile).

        Raises:
            Unavailable: The workers stopped (one was killed); the next call starts new ones.
        """
        return await self._run(check_in_worker, tuple(rules))

    async def evaluate(self, rules: Sequence[Rule], submission: Submission | str) -> Evaluation:
        """Compile ``rules`` and run them on ``submission`` (or on a bare text).

        Raises:
            Unavailable: The workers stopped (one was killed); the next call starts new ones.
        """
        if isinstance(submission, str):
            submission = Submission(submission)
        small = max(len(submission.content), len(submission.output_schema)) <= INLINE_BYTES
        if small:
            return evaluate_in_worker(tuple(rules), submission)
        return await self._run(evaluate_in_worker, tuple(rules), submission)

    async def _run(self, function: Callable[..., T], *args: Any) -> T:
        self.start()
        starting = self._pool
        assert starting is not None
        try:
            # Shielded: a call cancelled while the pool starts does not stop the start.
            pool = await asyncio.shield(starting)
            return await asyncio.get_running_loop().run_in_executor(pool, function, *args)
        except concurrent.futures.process.BrokenProcessPool as error:
            if self._pool is starting:
                self._pool = None
                if not starting.cancelled() and starting.exception() is None:
                    starting.result().shutdown(wait=False, cancel_futures=True)
            raise Unavailable("the rule evaluation workers stopped; try again",
                              reason="EVALUATOR_RESTARTING") from error

    async def close(self) -> None:
        """Stop the workers (a running evaluation is finished first)."""
        starting, self._pool = self._pool, None
        if starting is not None:
            pool = await starting
            await asyncio.to_thread(pool.shutdown, True, cancel_futures=True)
