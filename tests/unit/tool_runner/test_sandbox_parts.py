"""The sandbox's parts that need no sandbox: detection's refusals, the verdict, the slot pool
and the cgroup v2 tree (from files laid out as cgroup2 lays them out)."""

from __future__ import annotations

import asyncio
import os
import pathlib

import pytest

from services.tool_runner.sandbox import Limits, Outcome, SandboxUnavailable
from services.tool_runner.sandbox.cgroups import CgroupTree
from services.tool_runner.sandbox.probe import probe
from services.tool_runner.sandbox.slots import SlotPool, SlotsExhausted
from services.tool_runner.sandbox.verdict import Ending, verdict

MiB = 1 << 20
LIMITS = Limits(memory_bytes=256 * MiB, processes=8, cpu_seconds=2, wall_seconds=5)


def test_no_interpreter_is_unavailable() -> None:
    with pytest.raises(SandboxUnavailable, match="not an executable interpreter"):
        probe(python="/nonexistent/python3")


def test_a_slot_uid_that_is_an_account_is_refused() -> None:
    if os.geteuid() != 0:
        pytest.skip("SANDBOX NOT TESTED: slot uids are checked only as root")
    with pytest.raises(SandboxUnavailable, match="belongs to the account root"):
        probe(uid_base=0)


def test_limits_must_be_positive() -> None:
    with pytest.raises(ValueError, match="memory_bytes"):
        Limits(memory_bytes=0)


@pytest.mark.parametrize(("ending", "expected"), [
    (Ending(0), (Outcome.EXITED, 0, "exited with code 0")),
    (Ending(2), (Outcome.EXITED, 2, "exited with code 2")),
    (Ending(137, oom_killed=True), (Outcome.MEMORY_LIMIT, -9, "memory limit of 256 MiB exceeded")),
    (Ending(1, stderr="Traceback ...\nMemoryError\n"),
     (Outcome.MEMORY_LIMIT, 1, "memory limit of 256 MiB exceeded (exited with code 1)")),
    (Ending(152), (Outcome.CPU_LIMIT, -24, "CPU time limit of 2 s exceeded")),
    (Ending(-9, cpu_seconds=2.0), (Outcome.CPU_LIMIT, -9, "CPU time limit of 2 s exceeded")),
    (Ending(-9, cpu_seconds=0.1), (Outcome.KILLED, -9, "killed by SIGKILL")),
    (Ending(139), (Outcome.KILLED, -11, "killed by SIGSEGV")),
    (Ending(1, process_limit_hit=True),
     (Outcome.PROCESS_LIMIT, 1, "process limit of 8 reached (exited with code 1)")),
    (Ending(137, stopped=Outcome.TIMED_OUT),
     (Outcome.TIMED_OUT, -9, "wall time limit of 5 s exceeded")),
    (Ending(137, stopped=Outcome.OUTPUT_LIMIT),
     (Outcome.OUTPUT_LIMIT, -9, "output exceeded 1 MiB; the run was stopped")),
    (Ending(0, stopped=Outcome.CANCELLED), (Outcome.CANCELLED, 0, "cancelled")),
])
def test_the_verdict_names_what_ended_the_run(ending: Ending,
                                              expected: tuple[Outcome, int, str]) -> None:
    assert verdict(ending, LIMITS) == expected


async def test_slots_go_first_come_first_served_and_a_cancelled_waiter_takes_none() -> None:
    pool = SlotPool(2, first=10)
    first, second = await pool.acquire(), await pool.acquire()
    assert (first, second) == (10, 11)
    with pytest.raises(SlotsExhausted):
        pool.acquire_now()
    gave_up = asyncio.ensure_future(pool.acquire())
    waiting = asyncio.ensure_future(pool.acquire())
    await asyncio.sleep(0)
    gave_up.cancel()
    await asyncio.sleep(0)
    pool.release(first)
    assert await waiting == 10
    pool.release(second)
    with pool.lease_now() as slot:
        assert slot == 11
    assert pool.acquire_now() == 11


def test_a_cgroup2_tree_limits_and_reads_its_run_groups(tmp_path: pathlib.Path) -> None:
    root = tmp_path / "cgroup"
    parent = root / "cognos-sandbox"
    parent.mkdir(parents=True)
    (root / "cgroup.controllers").write_text("cpuset cpu io memory pids\n")
    (root / "cgroup.subtree_control").write_text("")
    for name in ("cgroup.procs", "cgroup.kill", "cgroup.subtree_control"):
        (parent / name).write_text("")
    mounts = tmp_path / "mounts"
    mounts.write_text(f"cgroup2 {root} cgroup2 rw,nosuid 0 0\n")

    tree = CgroupTree.detect(mounts=mounts)
    assert tree is not None
    assert (tree.v1, tree.v2, tree.v2_controllers) == ({}, parent, frozenset({"memory", "pids"}))
    assert tree.layers == ("cgroup-v2:kill+memory+pids",)
    group = tree.create("run-1", memory_bytes=64 * MiB, pids=10)
    run = parent / "run-1"
    assert (run / "memory.max").read_text() == str(64 * MiB)
    assert (run / "memory.swap.max").read_text() == "0"
    assert (run / "pids.max").read_text() == "10"
    assert group.procs_files == (str(run / "cgroup.procs"),)
    assert not group.oom_killed() and not group.process_limit_hit()
    (run / "memory.events").write_text("low 0\nhigh 0\nmax 3\noom 1\noom_kill 1\n")
    (run / "pids.events").write_text("max 2\n")
    (run / "cpu.stat").write_text("usage_usec 1500000\nuser_usec 1000000\n")
    assert group.oom_killed() and group.process_limit_hit()
    assert group.cpu_seconds() == 1.5
