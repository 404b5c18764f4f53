"""The sandbox's fallback where bubblewrap is missing (unshare, forced here): the same cgroup,
rlimit and uid layers, no network, and the file system hidden by its own mounts."""

from __future__ import annotations

import dataclasses
import os
import pathlib
from collections.abc import AsyncIterator

import pytest

from services.tool_runner.sandbox import Outcome, Sandbox
from tests.unit.tool_runner.sandbox_checks import (
    CONNECT,
    FORK_BOMB,
    MEMORY_TOGETHER,
    READ_SECRETS,
    SMALL,
    UIDS,
    WRITE_OUTSIDE,
    assert_host_unharmed,
    detect,
    needs_cgroups,
)


@pytest.fixture(scope="module")
def sandbox() -> Sandbox:
    return detect("unshare")


@pytest.fixture(autouse=True)
async def unharmed(sandbox: Sandbox) -> AsyncIterator[None]:
    yield
    await assert_host_unharmed(sandbox)


async def test_the_fallback_says_which_layers_ran(sandbox: Sandbox) -> None:
    result = await sandbox.run_python("import os\nprint(os.getuid(), os.getcwd(), os.listdir())",
                                      limits=SMALL)
    assert result.outcome is Outcome.EXITED, result.stderr
    uid, cwd, listing = result.stdout.split(" ", 2)
    assert int(uid) in UIDS and (cwd, listing.strip()) == ("/tmp", "[]")
    assert result.layers[-3:] == ("uid", "mount-namespace", "unshare")
    assert "bwrap" not in result.layers


async def test_no_network(sandbox: Sandbox) -> None:
    result = await sandbox.run_python(CONNECT.format(port=1), limits=SMALL)
    assert "connected" not in result.stdout and result.stdout.count("refused") == 2


async def test_secrets_and_the_host_files_stay_hidden(sandbox: Sandbox,
                                                      tmp_path: pathlib.Path) -> None:
    host_file = tmp_path / "host-secret"
    host_file.write_text("host secret")
    host_file.chmod(0o644)
    result = await sandbox.run_python(READ_SECRETS.format(host_file=host_file), limits=SMALL)
    lines = dict(line.split(" ", 1) for line in result.stdout.splitlines())
    assert lines["/etc/shadow"].startswith("denied")
    assert lines[str(host_file)].startswith("denied")
    for hidden in ("/root", "/home", "/work", "/var"):
        assert lines[hidden] in ("listed []", "denied PermissionError"), lines
    assert "host secret" not in result.stdout


async def test_writes_outside_fail(sandbox: Sandbox) -> None:
    result = await sandbox.run_python(WRITE_OUTSIDE, limits=SMALL)
    assert result.stdout.count("denied") == 5, result.stdout
    assert not os.path.exists("/pwned") and not os.path.exists("/etc/pwned")


async def test_the_limits_hold(sandbox: Sandbox) -> None:
    memory = await sandbox.run_python("block = bytearray(4 << 30)", limits=SMALL)
    assert memory.outcome is Outcome.MEMORY_LIMIT
    cpu = await sandbox.run_python("while True:\n    pass",
                                   limits=dataclasses.replace(SMALL, cpu_seconds=1))
    assert cpu.outcome is Outcome.CPU_LIMIT, cpu
    output = await sandbox.run_python("while True:\n    print('x' * 1000)", limits=SMALL)
    assert output.outcome is Outcome.OUTPUT_LIMIT and len(output.stdout) == SMALL.output_bytes
    assert (output.exit_code, output.stderr) == (-9, "")


async def test_the_cgroup_limits_hold(sandbox: Sandbox) -> None:
    needs_cgroups(sandbox)
    bomb = await sandbox.run_python(FORK_BOMB, limits=SMALL)
    assert bomb.outcome is Outcome.PROCESS_LIMIT, bomb
    together = await sandbox.run_python(MEMORY_TOGETHER, limits=SMALL)
    assert together.outcome is Outcome.MEMORY_LIMIT, together
