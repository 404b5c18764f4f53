"""Child processes of the local mesh: how each is launched, watched and stopped."""

from __future__ import annotations

import os
import pathlib
import shutil
import signal
import subprocess
import sys
import time
from dataclasses import dataclass, field


def venv_binary(name: str) -> str:
    """Path of a console binary installed next to this Python (envoy, buf, grpcurl)."""
    beside = pathlib.Path(sys.executable).parent / name
    if beside.exists():
        return str(beside)
    found = shutil.which(name)
    if found is None:
        raise FileNotFoundError(f"{name} is not installed; run the README's set-up command")
    return found


@dataclass
class ManagedProcess:
    """One supervised child: its command line, environment, log file and restart count."""

    name: str
    argv: list[str]
    log_path: pathlib.Path
    env: dict[str, str] = field(default_factory=dict)
    process: subprocess.Popen[bytes] | None = None
    restarts: int = 0
    started_at: float = 0.0

    def start(self) -> None:
        """Launch (or relaunch) the process, appending to its log file."""
        self.log_path.parent.mkdir(parents=True, exist_ok=True)
        log = self.log_path.open("ab")
        try:
            self.process = subprocess.Popen(
                self.argv,
                env={**os.environ, **self.env},
                stdout=log,
                stderr=subprocess.STDOUT,
                stdin=subprocess.DEVNULL,
                start_new_session=True,  # a Ctrl-C at the terminal goes to the supervisor only
            )
        finally:
            log.close()
        self.started_at = time.monotonic()

    @property
    def pid(self) -> int | None:
        return self.process.pid if self.process else None

    def exited(self) -> int | None:
        """The exit code if the process has ended, else None."""
        return None if self.process is None else self.process.poll()

    def signal(self, sig: int) -> None:
        if self.process is not None and self.process.poll() is None:
            self.process.send_signal(sig)

    def wait_gone(self, timeout: float = 10.0) -> None:
        """Wait until the process has ended (after a signal)."""
        if self.process is not None:
            self.process.wait(timeout=timeout)

    def stop(self, grace: float) -> None:
        """SIGTERM, wait up to ``grace`` seconds, then SIGKILL."""
        if self.process is None:
            return
        self.signal(signal.SIGTERM)
        try:
            self.process.wait(timeout=grace)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait(timeout=5)

    def rss_bytes(self) -> int:
        """Resident memory of the process and the processes it started, such as worker
        pools (0 if it is gone)."""
        return 0 if self.pid is None else sum(map(rss_of, (self.pid, *descendants(self.pid))))

    def pss_bytes(self) -> int:
        """Proportional memory of the process and those it started: each page shared with
        other processes (the libraries every service maps) counted as its share."""
        return 0 if self.pid is None else sum(map(pss_of, (self.pid, *descendants(self.pid))))


def pss_of(pid: int) -> int:
    """Proportional set size of process ``pid`` in bytes (0 if it is gone)."""
    return _kib_field(pid, "smaps_rollup", "Pss:") * 1024


def rss_of(pid: int) -> int:
    """Resident memory of process ``pid`` in bytes (0 if it is gone)."""
    return _kib_field(pid, "status", "VmRSS:") * 1024


def _kib_field(pid: int, name: str, key: str) -> int:
    """The figure (kB) on the ``key`` line of ``/proc/<pid>/<name>``; 0 if the process is
    gone."""
    try:
        text = pathlib.Path(f"/proc/{pid}/{name}").read_text()
    except OSError:
        return 0
    for line in text.splitlines():
        if line.startswith(key):
            return int(line.split()[1])
    return 0


def descendants(pid: int) -> list[int]:
    """The processes ``pid`` started, and theirs, that are still running."""
    children: dict[int, list[int]] = {}
    for stat in pathlib.Path("/proc").glob("[0-9]*/stat"):
        try:
            # The command name, in parentheses, may hold spaces and parentheses itself.
            parent = int(stat.read_text().rpartition(")")[2].split()[1])
        except (OSError, IndexError, ValueError):
            continue
        children.setdefault(parent, []).append(int(stat.parent.name))
    found, pending = [], list(children.get(pid, ()))
    while pending:
        child = pending.pop()
        found.append(child)
        pending.extend(children.get(child, ()))
    return found
