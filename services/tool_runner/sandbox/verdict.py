"""The outcome, exit code and message of a run from what was seen of its end."""

from __future__ import annotations

import dataclasses
import signal

from services.tool_runner.sandbox.limits import Limits
from services.tool_runner.sandbox.result import Outcome

# A wrapper (bwrap's init, the fallback's shell) reports a child ended by signal N as 128 + N.
_SIGNAL_BASE = 128


@dataclasses.dataclass(frozen=True)
class Ending:
    """What was seen when a run ended.

    Attributes:
        returncode: The wrapper's status as asyncio reports it (negative: killed by signal).
        stopped: Why the sandbox stopped the run itself, if it did.
        oom_killed: The memory cgroup killed a process at its limit.
        process_limit_hit: A fork failed at the cgroup's process limit.
        cpu_seconds: CPU time of the run's processes.
        stderr: What the code wrote to stderr (its end is enough).
    """

    returncode: int
    stopped: Outcome | None = None
    oom_killed: bool = False
    process_limit_hit: bool = False
    cpu_seconds: float = 0.0
    stderr: str = ""


def size(count: int) -> str:
    """``count`` bytes for a person: ``512 MiB``, ``1.5 GiB``, ``100 bytes``."""
    for unit, scale in (("GiB", 1 << 30), ("MiB", 1 << 20), ("KiB", 1 << 10)):
        if count >= scale:
            return f"{count / scale:.4g} {unit}"
    return f"{count} bytes"


def exit_code(returncode: int) -> int:
    """The code's exit status, or minus its signal, from the wrapper's ``returncode``."""
    if _SIGNAL_BASE < returncode < _SIGNAL_BASE + signal.NSIG:
        return _SIGNAL_BASE - returncode
    return returncode


def _signal_name(number: int) -> str:
    try:
        return signal.Signals(number).name
    except ValueError:
        return f"signal {number}"


def _ends_in_memory_error(stderr: str) -> bool:
    lines = stderr.rstrip().splitlines()
    return bool(lines) and lines[-1].startswith("MemoryError")


def verdict(ending: Ending, limits: Limits) -> tuple[Outcome, int, str]:
    """The outcome, exit code and one-line message of a run that ended as ``ending`` says."""
    code = exit_code(ending.returncode)
    memory = f"memory limit of {size(limits.memory_bytes)} exceeded"
    cpu = f"CPU time limit of {limits.cpu_seconds:g} s exceeded"
    processes = f"process limit of {limits.processes} reached"
    stopped = {
        Outcome.TIMED_OUT: f"wall time limit of {limits.wall_seconds:g} s exceeded",
        Outcome.OUTPUT_LIMIT: f"output exceeded {size(limits.output_bytes)}; the run was stopped",
        Outcome.CPU_LIMIT: cpu,
        Outcome.MEMORY_LIMIT: memory,
        Outcome.PROCESS_LIMIT: f"{processes}; the run was stopped",
        Outcome.CANCELLED: "cancelled",
    }
    if ending.stopped is not None:
        return ending.stopped, code, stopped.get(ending.stopped, str(ending.stopped))
    if code < 0:
        sig = -code
        if ending.oom_killed:
            return Outcome.MEMORY_LIMIT, code, memory
        if sig == signal.SIGXCPU or (sig == signal.SIGKILL
                                     and ending.cpu_seconds >= limits.cpu_seconds * 0.95):
            return Outcome.CPU_LIMIT, code, cpu
        return Outcome.KILLED, code, f"killed by {_signal_name(sig)}"
    if code != 0:
        if ending.oom_killed or _ends_in_memory_error(ending.stderr):
            return Outcome.MEMORY_LIMIT, code, f"{memory} (exited with code {code})"
        if ending.process_limit_hit:
            return Outcome.PROCESS_LIMIT, code, f"{processes} (exited with code {code})"
    return Outcome.EXITED, code, f"exited with code {code}"
