"""How a sandboxed run ended."""

from __future__ import annotations

import dataclasses
import enum


class Outcome(enum.StrEnum):
    """Why a sandboxed run ended."""

    EXITED = "exited"  # the code ran to an exit, whatever its code
    TIMED_OUT = "timed_out"  # the wall-clock limit
    CPU_LIMIT = "cpu_limit"
    MEMORY_LIMIT = "memory_limit"
    OUTPUT_LIMIT = "output_limit"
    PROCESS_LIMIT = "process_limit"
    KILLED = "killed"  # a signal no limit explains
    CANCELLED = "cancelled"


@dataclasses.dataclass(frozen=True)
class SandboxResult:
    """The end of one sandboxed run.

    Attributes:
        outcome: Why it ended.
        exit_code: The code's exit status, or minus the signal that ended it.
        stdout: What it wrote to stdout, up to the output limit.
        stderr: What it wrote to stderr, up to the output limit.
        message: One line for a person, e.g. ``memory limit of 512 MiB exceeded``.
        wall_seconds: Wall-clock time from start to end.
        cpu_seconds: CPU time of all its processes (0.0 where no cgroup accounts for it).
        layers: The confinement layers it ran under, outermost first.
    """

    outcome: Outcome
    exit_code: int
    stdout: str
    stderr: str
    message: str
    wall_seconds: float
    cpu_seconds: float
    layers: tuple[str, ...]
