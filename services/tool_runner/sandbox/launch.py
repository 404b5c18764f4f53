"""The launcher: runs one program confined and stays as its supervisor, for programs another
library spawns from an argv (stdio MCP servers). stdio passes straight through.

Usage: python -m services.tool_runner.sandbox.launch --mode bwrap --wrapper /usr/bin/bwrap
    [--uid 61004] [--cpu-seconds S] [--wall-seconds S] [--memory-bytes N] [--processes N]
    [--file-bytes N] [--network] [--ro-path PATH]... [--keep-env NAME]... -- PROGRAM ARGS...

It exits with the program's status (128 + N for signal N), after removing its cgroup.
``Sandbox.command`` writes this argv.
"""

from __future__ import annotations

import argparse
import contextlib
import os
import signal
import subprocess
import sys
import time
from collections.abc import Sequence
from types import FrameType

from services.tool_runner.sandbox.cgroups import PARENT, CgroupTree, RunGroup, wrapper_pids
from services.tool_runner.sandbox.confine import (
    ENVIRONMENT,
    Confinement,
    bwrap_hardening,
    system_binds,
)
from services.tool_runner.sandbox.limits import Limits

# How long the program has to end after the launcher is asked to stop, before SIGKILL.
GRACE_SECONDS = 2.0


def parse(argv: Sequence[str]) -> argparse.Namespace:
    """The launcher's options and the program's argv (after ``--``)."""
    parser = argparse.ArgumentParser(prog="launch", description=__doc__.splitlines()[0])
    parser.add_argument("--mode", choices=("bwrap", "unshare"), required=True)
    parser.add_argument("--wrapper", required=True)
    parser.add_argument("--uid", type=int)
    parser.add_argument("--no-cgroup", action="store_true")
    parser.add_argument("--cgroup-parent", default=PARENT)
    defaults = Limits()
    parser.add_argument("--cpu-seconds", type=float, default=defaults.cpu_seconds)
    parser.add_argument("--wall-seconds", type=float, default=defaults.wall_seconds)
    parser.add_argument("--memory-bytes", type=int, default=defaults.memory_bytes)
    parser.add_argument("--processes", type=int, default=defaults.processes)
    parser.add_argument("--file-bytes", type=int, default=defaults.file_bytes)
    parser.add_argument("--network", action="store_true")
    parser.add_argument("--ro-path", action="append", default=[])
    parser.add_argument("--keep-env", action="append", default=[])
    parser.add_argument("program", nargs=argparse.REMAINDER)
    args = parser.parse_args(argv)
    if args.program[:1] == ["--"]:
        args.program = args.program[1:]
    if not args.program:
        parser.error("no program to run (after --)")
    return args


def _supervise(child: subprocess.Popen[bytes], group: RunGroup | None,
               wall_seconds: float) -> int:
    """Wait for ``child`` to end, for its wall time, or for a request to stop; then end
    every process it left. Its status, as a shell reports it."""
    requested: list[int] = []

    def forward(signum: int, _frame: FrameType | None) -> None:
        requested.append(signum)
        if group is not None:  # to the program: it ends, then its init and the wrapper
            group.signal(signum, spare=wrapper_pids(child.pid))
        else:
            with contextlib.suppress(ProcessLookupError):
                os.kill(child.pid, signum)

    for signum in (signal.SIGTERM, signal.SIGINT, signal.SIGHUP):
        signal.signal(signum, forward)
    deadline = time.monotonic() + wall_seconds
    while child.poll() is None:
        now = time.monotonic()
        if requested:
            deadline = min(deadline, now + GRACE_SECONDS)
            requested.clear()
        if now >= deadline:
            if group is not None and now < deadline + GRACE_SECONDS:
                group.kill(spare=wrapper_pids(child.pid))  # they report it and exit
            else:
                child.kill()
        try:
            child.wait(timeout=max(0.01, min(deadline - now, 0.5)))
        except subprocess.TimeoutExpired:
            continue
    if group is not None:
        group.kill()
    return 128 - child.returncode if child.returncode < 0 else child.returncode


def main(argv: Sequence[str] | None = None) -> int:
    """Run the program the arguments name, confined; its exit status."""
    args = parse(sys.argv[1:] if argv is None else argv)
    limits = Limits(cpu_seconds=args.cpu_seconds, wall_seconds=args.wall_seconds,
                    memory_bytes=args.memory_bytes, processes=args.processes,
                    file_bytes=args.file_bytes)
    cgroups = None if args.no_cgroup else CgroupTree.detect(args.cgroup_parent)
    bwrap = args.mode == "bwrap"
    confinement = Confinement(args.mode, args.wrapper, python="", uid_base=args.uid,
                              cgroups=cgroups, binds=system_binds() if bwrap else (),
                              hardening=bwrap_hardening(args.wrapper) if bwrap else ())
    env = dict(ENVIRONMENT)
    env.update({name: os.environ[name] for name in args.keep_env if name in os.environ})
    group = confinement.group(f"cmd-{os.getpid()}", limits)
    try:
        child = subprocess.Popen(
            confinement.command_argv(args.program, limits, network=args.network,
                                     ro_paths=args.ro_path),
            env=env, cwd="/", start_new_session=True,
            preexec_fn=confinement.preexec(slot=0, group=group, limits=limits,
                                           visible=args.ro_path))
        return _supervise(child, group, limits.wall_seconds)
    finally:
        if group is not None:
            deadline = time.monotonic() + 5
            while not group.remove() and time.monotonic() < deadline:
                group.kill()
                time.sleep(0.01)


if __name__ == "__main__":
    sys.exit(main())
