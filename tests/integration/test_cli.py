"""The `cognos` command line as a user runs it: up (detached), status, down; the demo's goal
run end to end; Envoy's reference configuration is current and valid."""

from __future__ import annotations

import asyncio
import io
import os
import pathlib
import random
import signal
import socket
import subprocess

import pytest
from rich.console import Console

from cognos import demo
from cognos.mesh import health
from cognos.mesh.processes import venv_binary
from cognos.mesh.supervisor import Mesh, read_state
from shared.registry import ENVOY_ADMIN_PORT, ENVOY_LISTEN_PORT, SERVICES, by_name
from tests.helpers import assert_eventually
from tests.integration.conftest import Tokens

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
        ran = cognos("run", "Summarize: cats, dogs", "--var", str(var), "--timeout", "60")
        assert ran.returncode == 0, ran.stdout + ran.stderr
        assert "goal SUCCEEDED" in ran.stdout and "builtin-summarizer-" in ran.stdout
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


async def test_the_demo_runs_a_goal_to_its_answer(mesh: Mesh, tokens: Tokens,
                                                  tenant: str) -> None:
    """The demo's goal part, against the session mesh, printed as in CI (no terminal)."""
    printed = io.StringIO()
    console = Console(file=printed, width=200)
    outcome = await demo.run_goal(
        mesh.envoy_address, await tokens.for_tenant(tenant, demo.SCOPES), tenant,
        demo.DEFAULT_GOAL, console, timeout=50)
    output = printed.getvalue()
    assert outcome.succeeded and outcome.state == "SUCCEEDED", output
    for task_id in ("research-1", "research-2", "draft", "critique", "summarize"):
        assert f"{task_id} " in output
    for role in ("executor", "critic", "summarizer"):
        assert f"by builtin-{role}-" in output  # the built-in agent that ran each task
    assert "Answer (from summarize, goal SUCCEEDED)" in output
    answer = output.split("Answer (from summarize")[1]
    assert "Offline result for" in answer  # the summary of the drafted work
    assert "cost $" in output and " model completions" in output
    assert "goal SUCCEEDED" in output
