"""The sandbox with bubblewrap, for real: each attack meets its layer, ends with a clear outcome
and message, and leaves no process or cgroup behind."""

from __future__ import annotations

import asyncio
import dataclasses
import os
import pathlib
import signal
import subprocess
import time
import uuid
from collections.abc import AsyncIterator

import pytest

from services.tool_runner.sandbox import Outcome, Sandbox
from tests.unit.tool_runner.sandbox_checks import (
    CGROUP_ROOT,
    CONNECT,
    FORK_BOMB,
    MEMORY_TOGETHER,
    READ_SECRETS,
    SMALL,
    UID_BASE,
    UIDS,
    WRITE_OUTSIDE,
    assert_host_unharmed,
    detect,
    needs_cgroups,
)


@pytest.fixture(scope="module")
def sandbox() -> Sandbox:
    return detect("bwrap")


@pytest.fixture(autouse=True)
async def unharmed(sandbox: Sandbox) -> AsyncIterator[None]:
    yield
    await assert_host_unharmed(sandbox)


async def test_ordinary_code_gets_its_stdin_stdout_stderr_and_exit_code(
        sandbox: Sandbox) -> None:
    code = ("import sys\nprint('hello', sys.stdin.read())\nprint('warn', file=sys.stderr)\n"
            "sys.exit(3)")
    result = await sandbox.run_python(code, stdin=b"world", limits=SMALL)
    assert (result.outcome, result.exit_code) == (Outcome.EXITED, 3)
    assert (result.stdout, result.stderr) == ("hello world\n", "warn\n")
    assert result.message == "exited with code 3"
    assert result.layers == sandbox.layers
    assert {"rlimits", "uid", "bwrap"} <= set(result.layers)
    assert 0 < result.wall_seconds < SMALL.wall_seconds


async def test_output_is_streamed_as_it_is_written(sandbox: Sandbox) -> None:
    pieces: list[tuple[str, str, float]] = []

    async def collect(stream: str, text: str) -> None:
        pieces.append((stream, text, time.monotonic()))

    code = "import time\nprint('first')\ntime.sleep(0.5)\nprint('second')"
    result = await sandbox.run_python(code, limits=SMALL, on_output=collect)
    assert "".join(text for _, text, _ in pieces) == result.stdout == "first\nsecond\n"
    first = next(at for _, text, at in pieces if "first" in text)
    second = next(at for _, text, at in pieces if "second" in text)
    assert pieces[0][0] == "stdout" and second - first >= 0.4  # not all at the end


async def test_a_socket_finds_no_network(sandbox: Sandbox) -> None:
    connections = 0

    async def accept(_reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        nonlocal connections
        connections += 1
        writer.close()

    server = await asyncio.start_server(accept, "127.0.0.1", 0)
    port = server.sockets[0].getsockname()[1]
    async with server:
        result = await sandbox.run_python(CONNECT.format(port=port), limits=SMALL)
    assert result.outcome is Outcome.EXITED, result.stderr
    assert "connected" not in result.stdout
    assert result.stdout.count("refused") == 2
    assert connections == 0


async def test_secrets_and_other_users_files_are_invisible(sandbox: Sandbox,
                                                           tmp_path: pathlib.Path) -> None:
    host_file = tmp_path / "host-secret"
    host_file.write_text("host secret")
    host_file.chmod(0o644)
    result = await sandbox.run_python(READ_SECRETS.format(host_file=host_file), limits=SMALL)
    lines = dict(line.split(" ", 1) for line in result.stdout.splitlines())
    assert lines["/etc/shadow"].startswith("denied")
    assert lines[str(host_file)].startswith("denied")
    for hidden in ("/root", "/home", "/work", "/var"):
        assert lines[hidden].startswith("denied"), lines
    assert "host secret" not in result.stdout


async def test_writes_outside_its_directory_fail_and_its_files_stay_inside(
        sandbox: Sandbox) -> None:
    name = f"sandbox-{uuid.uuid4().hex}"
    code = WRITE_OUTSIDE + f"open('{name}', 'w').write('x')\nprint(os.getcwd())"
    result = await sandbox.run_python(code, limits=SMALL)
    assert result.outcome is Outcome.EXITED, result.stderr
    assert "written" not in result.stdout
    assert result.stdout.splitlines()[-1] == "/tmp"
    for path in ("/usr/pwned", "/etc/pwned", "/pwned", "/work/pwned", f"/tmp/{name}"):
        assert not os.path.exists(path)


async def test_two_runs_at_once_see_neither_files_nor_processes_of_the_other(
        sandbox: Sandbox) -> None:
    written, done = asyncio.Event(), asyncio.Event()

    async def watch(_stream: str, text: str) -> None:
        if "written" in text:
            written.set()

    writer = asyncio.ensure_future(sandbox.run_python(
        "import os, time\nopen('secret-a', 'w').write('a')\nprint('written', os.getuid(),"
        " flush=True)\ntime.sleep(30)", limits=SMALL, on_output=watch, cancel=done))
    await asyncio.wait_for(written.wait(), 5)
    snooper = await sandbox.run_python(
        "import os\nfound = [os.path.join(d, f) for top in ('/tmp', '/sandbox', '/dev/shm')"
        " for d, _, fs in os.walk(top) for f in fs]\n"
        "print(os.getuid(), found, sorted(p for p in os.listdir('/proc') if p.isdigit()))",
        limits=SMALL)
    done.set()
    first = await writer
    assert first.outcome is Outcome.CANCELLED
    uid, found, pids = snooper.stdout.split(" ", 2)
    assert "secret-a" not in snooper.stdout and found == "['/sandbox/main.py']", found
    assert uid != first.stdout.split()[1]
    assert {int(uid), int(first.stdout.split()[1])} <= set(UIDS)
    assert pids.strip() == "['1', '2']"  # its own init and itself: no other run's


async def test_a_fork_bomb_stops_at_the_process_limit(sandbox: Sandbox) -> None:
    needs_cgroups(sandbox)
    result = await sandbox.run_python(FORK_BOMB, limits=SMALL)
    assert result.outcome is Outcome.PROCESS_LIMIT
    assert result.message == "process limit of 16 reached; the run was stopped"
    assert result.wall_seconds < 3
    subprocess.run(["true"], check=True)  # this host still forks


async def test_allocating_4_gib_is_the_memory_limit(sandbox: Sandbox) -> None:
    result = await sandbox.run_python("block = bytearray(4 << 30)", limits=SMALL)
    assert result.outcome is Outcome.MEMORY_LIMIT
    assert result.message == "memory limit of 128 MiB exceeded (exited with code 1)"
    assert result.stderr.rstrip().endswith("MemoryError")


async def test_processes_over_the_memory_limit_together_meet_the_cgroup(
        sandbox: Sandbox) -> None:
    needs_cgroups(sandbox)
    result = await sandbox.run_python(MEMORY_TOGETHER, limits=SMALL)
    assert result.outcome is Outcome.MEMORY_LIMIT, result
    assert result.message == "memory limit of 128 MiB exceeded"
    assert result.wall_seconds < 5


async def test_an_endless_loop_meets_the_cpu_limit(sandbox: Sandbox) -> None:
    limits = dataclasses.replace(SMALL, cpu_seconds=1, wall_seconds=20)
    result = await sandbox.run_python("while True:\n    pass", limits=limits)
    assert result.outcome is Outcome.CPU_LIMIT, result
    assert result.message == "CPU time limit of 1 s exceeded"
    assert result.cpu_seconds >= 0.9


async def test_sleeping_past_the_wall_time_is_timed_out(sandbox: Sandbox) -> None:
    limits = dataclasses.replace(SMALL, wall_seconds=1)
    result = await sandbox.run_python("import time\ntime.sleep(60)", limits=limits)
    assert result.outcome is Outcome.TIMED_OUT
    assert result.message == "wall time limit of 1 s exceeded"
    assert (result.exit_code, result.stderr) == (-9, "")
    assert 1 <= result.wall_seconds < 3


async def test_printing_100_mb_stops_at_the_output_limit(sandbox: Sandbox) -> None:
    result = await sandbox.run_python("for _ in range(100):\n    print('x' * 1_000_000)",
                                      limits=SMALL)
    assert result.outcome is Outcome.OUTPUT_LIMIT
    assert result.message == "output exceeded 64 KiB; the run was stopped"
    assert result.stdout == "x" * SMALL.output_bytes
    assert result.wall_seconds < 3


async def test_a_big_file_meets_the_file_size_limit(sandbox: Sandbox) -> None:
    result = await sandbox.run_python("open('big', 'wb').write(b'x' * (2 << 20))", limits=SMALL)
    assert (result.outcome, result.exit_code) == (Outcome.EXITED, 1)
    assert "File too large" in result.stderr


async def test_a_signal_is_reported_as_killed(sandbox: Sandbox) -> None:
    result = await sandbox.run_python("import os, signal\nos.kill(os.getpid(), signal.SIGSEGV)",
                                      limits=SMALL)
    assert (result.outcome, result.exit_code) == (Outcome.KILLED, -11)
    assert result.message == "killed by SIGSEGV"


async def test_cancel_stops_the_run(sandbox: Sandbox) -> None:
    cancel = asyncio.Event()

    async def started(_stream: str, _text: str) -> None:
        cancel.set()

    result = await sandbox.run_python("import sys, time\nsys.stdout.write('go\\n')\ntime.sleep(60)",
                                      limits=SMALL, on_output=started, cancel=cancel)
    assert (result.outcome, result.message) == (Outcome.CANCELLED, "cancelled")
    assert result.stdout == "go\n" and result.wall_seconds < 3


async def test_cancelling_the_caller_ends_the_run(sandbox: Sandbox) -> None:
    run = asyncio.ensure_future(sandbox.run_python("import time\ntime.sleep(60)", limits=SMALL))
    await asyncio.sleep(0.3)
    run.cancel()
    with pytest.raises(asyncio.CancelledError):
        await run


async def test_runs_beyond_the_slots_wait_for_one(sandbox: Sandbox) -> None:
    limits = dataclasses.replace(SMALL, wall_seconds=5)
    results = await asyncio.gather(*(
        sandbox.run_python("import os, time\ntime.sleep(0.3)\nprint(os.getuid())", limits=limits)
        for _ in range(6)))
    assert all(r.outcome is Outcome.EXITED for r in results)
    assert {int(r.stdout) for r in results} <= set(range(UID_BASE, UID_BASE + 4))


async def test_a_command_runs_confined_with_stdio_passed_through(sandbox: Sandbox) -> None:
    limits = dataclasses.replace(SMALL, wall_seconds=10)
    echo = ("import os, socket, sys\nline = sys.stdin.readline()\n"
            "try:\n    socket.create_connection(('1.1.1.1', 53), timeout=1); net = 'net'\n"
            "except OSError:\n    net = 'no-net'\n"
            "print(line.strip(), os.getuid(), net, os.path.exists('/work'), flush=True)")
    with sandbox.command(["/usr/bin/python3", "-I", "-c", echo], limits=limits) as argv:
        process = await asyncio.create_subprocess_exec(
            *argv, stdin=asyncio.subprocess.PIPE, stdout=asyncio.subprocess.PIPE,
            stderr=asyncio.subprocess.PIPE)
        stdout, stderr = await asyncio.wait_for(process.communicate(b"ping\n"), 20)
    assert process.returncode == 0, stderr
    word, uid, net, work = stdout.decode().split()
    assert (word, net, work) == ("ping", "no-net", "False")
    assert int(uid) in UIDS and int(uid) >= UID_BASE + 4  # a command slot, not a run slot


async def test_a_command_asked_to_stop_ends_and_leaves_nothing(sandbox: Sandbox) -> None:
    limits = dataclasses.replace(SMALL, wall_seconds=30)
    code = "import signal, sys, time\nprint('up', flush=True)\ntime.sleep(60)"
    with sandbox.command(["/usr/bin/python3", "-I", "-c", code], limits=limits) as argv:
        process = await asyncio.create_subprocess_exec(*argv, stdout=asyncio.subprocess.PIPE)
        assert process.stdout is not None
        assert await asyncio.wait_for(process.stdout.readline(), 10) == b"up\n"
        process.terminate()
        assert await asyncio.wait_for(process.wait(), 5) == 128 + signal.SIGTERM
    assert not list(CGROUP_ROOT.glob(f"*/cognos-sandbox/cmd-{process.pid}"))
