"""What the sandbox tests share: small limits, the attacks' code, and the checks that the
host is unharmed after a run."""

from __future__ import annotations

import os
import pathlib

import pytest

from services.tool_runner.sandbox import Limits, Sandbox, SandboxUnavailable
from services.tool_runner.sandbox.probe import Choice

MiB = 1 << 20
SMALL = Limits(cpu_seconds=2, wall_seconds=8, memory_bytes=128 * MiB, processes=16,
               output_bytes=64 * 1024, file_bytes=1 * MiB)
UID_BASE = 61000
UIDS = range(UID_BASE, UID_BASE + 12)
CGROUP_ROOT = pathlib.Path("/sys/fs/cgroup")

CONNECT = """
import socket, sys
for host, port in (("127.0.0.1", {port}), ("1.1.1.1", 53)):
    try:
        socket.create_connection((host, port), timeout=2)
        print("connected", host)
    except OSError as error:
        print("refused", host, type(error).__name__, error.errno)
"""

READ_SECRETS = """
import os
for path in ("/etc/shadow", "/root", "/home", "/work", "/var", "{host_file}"):
    try:
        if os.path.isdir(path):
            print(path, "listed", os.listdir(path))
        else:
            print(path, "read", open(path).read(40))
    except OSError as error:
        print(path, "denied", type(error).__name__)
"""

WRITE_OUTSIDE = """
import os
for path in ("/usr/pwned", "/etc/pwned", "/pwned", "/work/pwned", "/var/tmp/pwned"):
    try:
        with open(path, "w") as f:
            f.write("x")
        print(path, "written")
    except OSError as error:
        print(path, "denied", type(error).__name__)
"""

FORK_BOMB = """
import os, time
while True:
    try:
        if os.fork() == 0:
            time.sleep(30)
    except OSError:
        pass
"""

# Five processes of 40 MiB each: every one under the address-space limit, together over the
# 128 MiB cgroup limit.
MEMORY_TOGETHER = """
import os, time
for _ in range(4):
    if os.fork() == 0:
        block = b"x" * (40 << 20)
        time.sleep(30)
block = b"x" * (40 << 20)
time.sleep(30)
"""


def detect(mode: Choice) -> Sandbox:
    """The sandbox in ``mode``, or a skip that says loudly what this machine lacks."""
    if os.geteuid() != 0:
        pytest.skip("SANDBOX NOT TESTED: the sandbox tests need root (uid drop, cgroups); "
                    "CI runs them as root")
    try:
        return Sandbox.detect(mode=mode, uid_base=UID_BASE)
    except SandboxUnavailable as error:
        pytest.skip(f"SANDBOX NOT TESTED in mode {mode}: {error}")


def needs_cgroups(sandbox: Sandbox) -> None:
    """Skip, loudly, where the sandbox has no memory and pids cgroups."""
    if sandbox.confinement.cgroups is None:
        pytest.skip("SANDBOX LIMIT NOT TESTED: no writable memory/pids cgroup here")


def sandbox_processes() -> list[str]:
    """Live processes running as a sandbox slot uid now (bwrap's init, which its monitor
    does not wait for, may stay a zombie until the host's init reaps it)."""
    found = []
    for entry in pathlib.Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                status = (entry / "status").read_text()
                if entry.stat().st_uid in UIDS and "State:\tZ" not in status:
                    found.append(status.splitlines()[0])
            except (FileNotFoundError, ProcessLookupError):
                continue
    return found


def run_groups() -> list[pathlib.Path]:
    """Run groups left under the ``cognos-sandbox`` parents by this process."""
    return [group for parent in CGROUP_ROOT.glob("*/cognos-sandbox")
            for group in parent.glob(f"run-{os.getpid()}-*")]


async def assert_host_unharmed(sandbox: Sandbox) -> None:
    """Every run's processes and cgroups are gone once the sandbox has closed its runs."""
    await sandbox.aclose()
    assert sandbox_processes() == []
    assert run_groups() == []
