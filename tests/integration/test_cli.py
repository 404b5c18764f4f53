"""The `cognos` command line as a user runs it: up (detached), status, down; Envoy's
reference configuration is current and valid."""

from __future__ import annotations

import asyncio
import os
import pathlib
import random
import signal
import socket
import subprocess

import pytest

from cognos.mesh import health
from cognos.mesh.processes import venv_binary
from cognos.mesh.supervisor import read_state
from shared.registry import ENVOY_ADMIN_PORT, ENVOY_LISTEN_PORT, SERVICES, by_name
from tests.helpers import assert_eventually

ROOT = pathlib.Path(__file__).resolve().parents[2]


def cognos(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([venv_binary("cognos"), *args], cwd=ROOT, capture_output=True,
                          text=True, timeout=180, env={**os.environ, "COLUMNS": "200"})


def _ports_free(offset: int) -> bool:
    for port in [s.port + offset for s in SERVICES] + [ENVOY_LISTEN_PORT + offset,
                                                      ENVOY_ADMIN_PORT + offset]:
        with socket.socket() as probe:
            if probe.connect_ex(("127.0.0.1", port)) == 0:
                return False
    return True


def _up_somewhere(var: pathlib.Path) -> subprocess.CompletedProcess[str]:
    """`cognos up --detach` on a free block of ports; another block if one was taken meanwhile
    (the block sits in the range the OS also hands out to client sockets)."""
    started = None
    for offset in random.sample(range(100, 5000, 100), 10):
        if not _ports_free(offset):
            continue
        started = cognos("up", "--detach", "--var", str(var), "--port-offset", str(offset))
        if started.returncode == 0:
            return started
        cognos("down", "--var", str(var))
    if started is None:
        pytest.skip("no free block of ports for a second mesh")
    return started


def test_up_status_down(tmp_path: pathlib.Path) -> None:
    var = tmp_path / "var"
    started = _up_somewhere(var)
    try:
        assert started.returncode == 0, started.stdout + started.stderr
        state = read_state(var)
        assert state is not None
        status = cognos("status", "--var", str(var))
        assert status.returncode == 0
        for spec in SERVICES:
            row = next(line for line in status.stdout.splitlines() if f" {spec.name} " in line)
            assert row.count("SERVING") == 2, row  # directly and through Envoy
        assert (var / "log" / "task-planner.log").exists()
        _kill_and_wait_for_restart(state, "task-planner")
    finally:
        stopped = cognos("down", "--var", str(var))
    assert stopped.returncode == 0 and "mesh stopped" in stopped.stdout
    assert read_state(var) is None
    for entry in state["services"]:  # type: ignore[union-attr]
        assert not pathlib.Path(f"/proc/{entry['pid']}").exists()


def _kill_and_wait_for_restart(state: dict[str, object], name: str) -> None:
    """The supervisor brings a crashed service back on its port."""
    entry = next(e for e in state["services"] if e["name"] == name)  # type: ignore[attr-defined]
    os.kill(entry["pid"], signal.SIGKILL)

    async def serving_again() -> bool:
        status = await health.check(f"127.0.0.1:{entry['port']}", by_name(name))
        return status == "SERVING"

    asyncio.run(assert_eventually(serving_again, timeout=30, interval=0.2,
                                  message=f"{name} restarted by the supervisor"))


def test_reference_envoy_config_is_current_and_valid() -> None:
    check = cognos("envoy-config", "--check")
    assert check.returncode == 0, check.stdout
    valid = subprocess.run([venv_binary("envoy"), "--mode", "validate", "-c", "envoy/envoy.json"],
                           cwd=ROOT, capture_output=True, text=True, timeout=60)
    assert valid.returncode == 0, valid.stdout + valid.stderr
