"""Running the `cognos` command as a user does, and a detached mesh on a free block of ports."""

from __future__ import annotations

import os
import pathlib
import random
import socket
import subprocess

import pytest

from cognos.mesh.processes import venv_binary
from shared.mesh.registry import ENVOY_ADMIN_PORT, ENVOY_LISTEN_PORT, SERVICES

ROOT = pathlib.Path(__file__).resolve().parents[2]


def cognos(*args: str, columns: int = 200) -> subprocess.CompletedProcess[str]:
    """Run `cognos ARGS` from the repository root and wait for it."""
    return subprocess.run([venv_binary("cognos"), *args], cwd=ROOT, capture_output=True,
                          text=True, timeout=180, env={**os.environ, "COLUMNS": str(columns)})


def start_cognos(*args: str) -> subprocess.Popen[str]:
    """Start `cognos ARGS` with its output piped (not a terminal: one line per event)."""
    return subprocess.Popen([venv_binary("cognos"), *args], cwd=ROOT, text=True,
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                            env={**os.environ, "COLUMNS": "200"})


def _ports_free(offset: int) -> bool:
    for port in [s.port + offset for s in SERVICES] + [ENVOY_LISTEN_PORT + offset,
                                                      ENVOY_ADMIN_PORT + offset]:
        with socket.socket() as probe:
            if probe.connect_ex(("127.0.0.1", port)) == 0:
                return False
    return True


def up_somewhere(var: pathlib.Path) -> subprocess.CompletedProcess[str]:
    """`cognos up --detach` on a free block of ports; another block if one was taken meanwhile
    (the block sits in the range the OS also hands out to client sockets)."""
    started = None
    for offset in random.sample(range(100, 5000, 100), 10):
        if not _ports_free(offset):
            continue
        started = cognos("up", "--detach", "--var", str(var), "--port-offset", str(offset),
                         "--timeout", "90", "--offline")
        if started.returncode == 0:
            return started
        cognos("down", "--var", str(var))
    if started is None:
        pytest.skip("no free block of ports for a second mesh")
    return started
