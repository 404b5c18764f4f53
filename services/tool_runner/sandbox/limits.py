"""What one sandboxed run may use."""

from __future__ import annotations

import dataclasses

MiB = 1 << 20


@dataclasses.dataclass(frozen=True)
class Limits:
    """The limits of one sandboxed run.

    Attributes:
        cpu_seconds: CPU time of the whole run, every process together.
        wall_seconds: Wall-clock time from start to end.
        memory_bytes: Memory of the whole run (and the address space of each process).
        processes: Processes and threads the code may have at once, its own included.
        output_bytes: Bytes kept of stdout and of stderr, each; more stops the run.
        file_bytes: Largest file the code may write.
    """

    cpu_seconds: float = 10.0
    wall_seconds: float = 30.0
    memory_bytes: int = 512 * MiB
    processes: int = 32
    output_bytes: int = 1 * MiB
    file_bytes: int = 64 * MiB

    def __post_init__(self) -> None:
        for field in dataclasses.fields(self):
            if getattr(self, field.name) <= 0:
                raise ValueError(f"{field.name} must be positive")
