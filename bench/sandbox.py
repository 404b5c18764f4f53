"""What the sandbox adds to a short Python run: ``print(1)`` from start to result through
Sandbox.run_python, against a bare ``/usr/bin/python3 -c 'print(1)'`` subprocess, interleaved
in the same run.

Usage: python -m bench.sandbox [--runs 25] [--mode auto|bwrap|unshare]

Both are started and read the same way (an asyncio subprocess with piped output). The sandboxed
run includes its slot, its cgroups, the rlimits and uid drop in the child, the wrapper
(bubblewrap or the unshare fallback) and the verdict; its cgroups are removed after the result
is returned. The target is a median within 3x of the bare run's. Needs root for every layer.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import statistics
import time

from services.tool_runner.sandbox import Limits, Outcome, Sandbox

TARGET_RATIO = 3.0
PYTHON = "/usr/bin/python3"


async def bare() -> float:
    """Milliseconds of one bare ``python3 -c 'print(1)'``."""
    started = time.perf_counter()
    process = await asyncio.create_subprocess_exec(
        PYTHON, "-c", "print(1)", stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.PIPE)
    stdout, _ = await process.communicate()
    elapsed = (time.perf_counter() - started) * 1e3
    assert process.returncode == 0 and stdout == b"1\n"
    return elapsed


async def sandboxed(sandbox: Sandbox, limits: Limits) -> float:
    """Milliseconds of one ``print(1)`` through the sandbox."""
    started = time.perf_counter()
    result = await sandbox.run_python("print(1)", limits=limits)
    elapsed = (time.perf_counter() - started) * 1e3
    assert result.outcome is Outcome.EXITED and result.stdout == "1\n", result
    return elapsed


def p90(samples: list[float]) -> float:
    return statistics.quantiles(samples, n=10)[-1]


async def run(runs: int, mode: str) -> None:
    sandbox = Sandbox.detect(mode=mode)  # type: ignore[arg-type]
    limits = Limits()
    for _ in range(2):  # page cache and first imports warm for both
        await bare()
        await sandboxed(sandbox, limits)
    figures: dict[str, list[float]] = {"bare": [], "sandbox": []}
    for _ in range(runs):  # alternate, so drift in the machine's load hits both alike
        figures["bare"].append(await bare())
        figures["sandbox"].append(await sandboxed(sandbox, limits))
    await sandbox.aclose()

    print(f"{os.cpu_count()} CPUs, load average {os.getloadavg()[0]:.2f}; {runs} runs each, "
          f"interleaved; layers: {' > '.join(sandbox.layers)}")
    print(f"{'print(1)':<10} {'median ms':>10} {'p90 ms':>8}")
    for name, samples in figures.items():
        print(f"{name:<10} {statistics.median(samples):>10.1f} {p90(samples):>8.1f}")
    ratio = statistics.median(figures["sandbox"]) / statistics.median(figures["bare"])
    print(f"sandbox / bare median x{ratio:.2f} (target <= {TARGET_RATIO:.0f}x) "
          f"{'PASS' if ratio <= TARGET_RATIO else 'MISS'}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=25)
    parser.add_argument("--mode", choices=("auto", "bwrap", "unshare"), default="auto")
    args = parser.parse_args()
    asyncio.run(run(args.runs, args.mode))


if __name__ == "__main__":
    main()
