"""The `cognos` command line as a user runs it on one detached mesh (up, status, run, down),
including a goal followed to its end while the supervisor restarts the planner or Envoy under
it; the demo's goal run end to end; Envoy's reference configuration is current and valid."""

from __future__ import annotations

import asyncio
import io
import os
import pathlib
import signal
import subprocess
from collections.abc import Iterator
from typing import Any

import pytest
from rich.console import Console

from cognos import demo
from cognos.mesh import health
from cognos.mesh.processes import venv_binary
from cognos.mesh.supervisor import Mesh, read_state
from shared.mesh.registry import SERVICES, by_name
from tests.helpers import assert_eventually
from tests.integration.cognos_cli import ROOT, cognos, start_cognos, up_somewhere
from tests.integration.conftest import Tokens

# The first test of the module waits for its mesh to start as well.
pytestmark = pytest.mark.timeout(240)


@pytest.fixture(scope="module")
def var(tmp_path_factory: pytest.TempPathFactory) -> Iterator[pathlib.Path]:
    """The var folder of a mesh started with `cognos up --detach`; stopped with `cognos down`
    at the end, which must leave no process of it running."""
    var = tmp_path_factory.mktemp("cli") / "var"
    started = up_somewhere(var)
    try:
        assert started.returncode == 0, started.stdout + started.stderr
        yield var
    finally:
        state = read_state(var)
        stopped = cognos("down", "--var", str(var))
    assert stopped.returncode == 0 and "mesh stopped" in stopped.stdout
    assert read_state(var) is None
    for pid in _pids(state):
        assert not pathlib.Path(f"/proc/{pid}").exists()


def _pids(state: dict[str, Any] | None) -> list[int]:
    if state is None:
        return []
    return [state["envoy"]["pid"], *(entry["pid"] for entry in state["services"])]


def _pid_of(var: pathlib.Path, name: str) -> int:
    state = read_state(var)
    assert state is not None
    if name == "envoy":
        return int(state["envoy"]["pid"])  # type: ignore[index]
    return int(next(e["pid"] for e in state["services"]  # type: ignore[attr-defined]
                    if e["name"] == name))


def _serving_again(var: pathlib.Path, name: str, old_pid: int) -> None:
    """Wait until the supervisor has recorded a new pid for ``name`` and it (or, for Envoy,
    the service behind it) is SERVING."""
    state = read_state(var)
    assert state is not None
    envoy = str(state["envoy"]["address"])  # type: ignore[index]
    spec = by_name("task-planner" if name == "envoy" else name)
    port = next((e["port"] for e in state["services"]  # type: ignore[attr-defined]
                 if e["name"] == name), None)

    async def back() -> bool:
        if _pid_of(var, name) == old_pid:
            return False
        direct = "SERVING" if port is None else await health.check(f"127.0.0.1:{port}", spec)
        routed = await health.check(envoy, spec, via_envoy=True)
        return direct == routed == "SERVING"

    asyncio.run(assert_eventually(back, timeout=30, interval=0.2,
                                  message=f"{name} restarted by the supervisor"))


def test_status_shows_every_process_serving(var: pathlib.Path) -> None:
    status = cognos("status", "--var", str(var))

    assert status.returncode == 0, status.stdout + status.stderr
    for spec in SERVICES:
        row = next(line for line in status.stdout.splitlines()
                   if line.split()[:1] == [spec.name])
        assert row.count("SERVING") == 2, row  # directly and through Envoy
    assert (var / "log" / "task-planner.log").exists()


def test_run_follows_a_goal_to_its_answer(var: pathlib.Path) -> None:
    ran = cognos("run", "Summarize: cats, dogs", "--var", str(var), "--timeout", "60")

    assert ran.returncode == 0, ran.stdout + ran.stderr
    assert "goal SUCCEEDED" in ran.stdout and "builtin-summarizer-" in ran.stdout


@pytest.mark.parametrize("name", ["task-planner", "envoy"])
def test_run_outlasts_a_restart_mid_goal(var: pathlib.Path, name: str) -> None:
    """The process is killed as soon as the goal runs (its plan is stored: it cannot end
    without the planner); the supervisor restarts it and `cognos run` watches the goal again,
    to its end."""
    run = start_cognos("run", "Summarize: cats, dogs", "--var", str(var), "--timeout", "90")
    assert run.stdout is not None
    seen = []
    for line in run.stdout:
        seen.append(line)
        if "goal RUNNING" in line:
            break
    old_pid = _pid_of(var, name)
    os.kill(old_pid, signal.SIGKILL)
    rest, errors = run.communicate(timeout=100)
    output = "".join(seen) + rest

    assert run.returncode == 0, output + errors
    assert "Traceback" not in output + errors
    assert "lost the mesh" in output and "reconnected after" in output
    assert "goal SUCCEEDED" in output and "builtin-summarizer-" in output
    _serving_again(var, name, old_pid)


def test_status_after_a_restart_shows_the_live_process_and_fits_70_columns(
        var: pathlib.Path) -> None:
    old_pid = _pid_of(var, "observability")
    os.kill(old_pid, signal.SIGKILL)
    _serving_again(var, "observability", old_pid)
    new_pid = _pid_of(var, "observability")

    status = cognos("status", "--var", str(var), columns=70)

    assert status.returncode == 0, status.stdout + status.stderr
    assert max(len(line) for line in status.stdout.splitlines()) <= 70
    processes, background = status.stdout.split("background work")
    assert "planning" in background and "retention-purge" in background
    rows = {line.split()[0]: line.split() for line in processes.splitlines() if line.strip()}
    _, pid, _, direct, via, mib = rows["observability"]
    assert (pid, direct, via) == (str(new_pid), "SERVING", "SERVING")
    assert int(mib) > 0
    assert str(old_pid) not in status.stdout
    memory = [int(row[-1]) for key, row in rows.items()
              if key in {s.name for s in SERVICES} | {"envoy"}]
    assert len(memory) == len(SERVICES) + 1  # every process has its resident memory
    total = rows["total"]
    assert len(total) == 2 and abs(int(total[1]) - sum(memory)) <= len(memory)


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
