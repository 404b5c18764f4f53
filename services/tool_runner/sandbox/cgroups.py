"""Each run's own cgroups: a child group per run under a ``cognos-sandbox`` parent in every
hierarchy the machine offers (cgroup v1 ``memory``, ``pids`` and ``cpuacct``; cgroup v2 with
``cgroup.kill`` and, where it holds them, ``memory`` and ``pids``)."""

from __future__ import annotations

import asyncio
import contextlib
import dataclasses
import logging
import os
import pathlib
import signal
import time
from collections.abc import Collection

_log = logging.getLogger(__name__)

V1_CONTROLLERS = ("memory", "pids", "cpuacct")
V2_CONTROLLERS = ("memory", "pids")
PARENT = "cognos-sandbox"


def _read(path: pathlib.Path) -> str:
    try:
        return path.read_text()
    except OSError:
        return ""


def _field(text: str, key: str) -> int:
    """The value of ``key`` in a flat-keyed cgroup file (``oom_kill 1``), or 0."""
    for line in text.splitlines():
        name, _, value = line.partition(" ")
        if name == key and value.strip().isdigit():
            return int(value)
    return 0


def wrapper_pids(pid: int) -> set[int]:
    """The wrapper ``pid`` and its children (the sandbox's init), as far as /proc shows."""
    children = _read(pathlib.Path(f"/proc/{pid}/task/{pid}/children")).split()
    return {pid, *(int(child) for child in children)}


def _write(path: pathlib.Path, value: str) -> None:
    path.write_text(value)


def _mounts(mounts: pathlib.Path) -> tuple[dict[str, pathlib.Path], pathlib.Path | None]:
    """The v1 mount point of each wanted controller and the cgroup2 mount point."""
    v1: dict[str, pathlib.Path] = {}
    v2: pathlib.Path | None = None
    for line in _read(mounts).splitlines():
        fields = line.split()
        if len(fields) < 4:
            continue
        point, kind, options = pathlib.Path(fields[1]), fields[2], fields[3].split(",")
        if kind == "cgroup2" and v2 is None:
            v2 = point
        elif kind == "cgroup":
            for controller in V1_CONTROLLERS:
                if controller in options:
                    v1.setdefault(controller, point)
    return v1, v2


def _enable_v2(root: pathlib.Path, parent: pathlib.Path) -> frozenset[str]:
    """The v2 controllers (of ``memory``, ``pids``) that children of ``parent`` get."""
    available = _read(root / "cgroup.controllers").split()
    enabled: set[str] = set()
    for controller in V2_CONTROLLERS:
        if controller not in available:
            continue
        try:
            if controller not in _read(root / "cgroup.subtree_control").split():
                _write(root / "cgroup.subtree_control", f"+{controller}")
            _write(parent / "cgroup.subtree_control", f"+{controller}")
        except OSError:
            continue  # e.g. the mount's root holds processes (a container's namespace)
        enabled.add(controller)
    return frozenset(enabled)


@dataclasses.dataclass(frozen=True)
class CgroupTree:
    """The ``cognos-sandbox`` parent groups this process may create run groups under.

    Attributes:
        v1: The parent directory in each cgroup v1 hierarchy used, by controller.
        v2: The parent directory in the cgroup2 hierarchy, if it offers ``cgroup.kill``.
        v2_controllers: The controllers a run group under ``v2`` gets.
    """

    v1: dict[str, pathlib.Path]
    v2: pathlib.Path | None
    v2_controllers: frozenset[str] = frozenset()

    @classmethod
    def detect(cls, parent: str = PARENT,
               mounts: pathlib.Path = pathlib.Path("/proc/self/mounts")) -> CgroupTree | None:
        """The parent groups, created where missing; None when no hierarchy lets this process
        (not root, a read-only mount) create groups that limit memory or processes."""
        v1_mounts, v2_mount = _mounts(mounts)
        v2: pathlib.Path | None = None
        enabled: frozenset[str] = frozenset()
        if v2_mount is not None:
            with contextlib.suppress(OSError):
                (v2_mount / parent).mkdir(exist_ok=True)
                if (os.access(v2_mount / parent / "cgroup.procs", os.W_OK)
                        and (v2_mount / parent / "cgroup.kill").exists()):
                    v2 = v2_mount / parent
                    enabled = _enable_v2(v2_mount, v2)
        if v2 is not None:
            # Every v2 group accounts CPU time (cpu.stat); joining cpuacct would only cost.
            v1_mounts.pop("cpuacct", None)
        v1: dict[str, pathlib.Path] = {}
        for controller, point in v1_mounts.items():
            with contextlib.suppress(OSError):
                (point / parent).mkdir(exist_ok=True)
                if os.access(point / parent / "cgroup.procs", os.W_OK):
                    v1[controller] = point / parent
        tree = cls(v1, v2, enabled)
        return tree if tree.limits_memory and tree.limits_processes else None

    @property
    def limits_memory(self) -> bool:
        """A run group has a memory limit."""
        return "memory" in self.v1 or "memory" in self.v2_controllers

    @property
    def limits_processes(self) -> bool:
        """A run group has a process limit."""
        return "pids" in self.v1 or "pids" in self.v2_controllers

    @property
    def layers(self) -> tuple[str, ...]:
        """The layer names of the groups a run joins."""
        layers = []
        if self.v1:
            layers.append("cgroup-v1:" + "+".join(sorted(self.v1)))
        if self.v2 is not None:
            layers.append("cgroup-v2:" + "+".join(["kill", *sorted(self.v2_controllers)]))
        return tuple(layers)

    def create(self, name: str, *, memory_bytes: int, pids: int) -> RunGroup:
        """A new run group ``name`` limited to ``memory_bytes`` and ``pids`` tasks."""
        group = RunGroup(self, name)
        try:
            for directory in group.directories:
                directory.mkdir()
            if "memory" in self.v1:
                memory = self.v1["memory"] / name
                _write(memory / "memory.limit_in_bytes", str(memory_bytes))
                with contextlib.suppress(OSError):  # no swap accounting: no swap to limit
                    _write(memory / "memory.memsw.limit_in_bytes", str(memory_bytes))
            if "pids" in self.v1:
                _write(self.v1["pids"] / name / "pids.max", str(pids))
            if self.v2 is not None:
                if "memory" in self.v2_controllers:
                    _write(self.v2 / name / "memory.max", str(memory_bytes))
                    with contextlib.suppress(OSError):
                        _write(self.v2 / name / "memory.swap.max", "0")
                if "pids" in self.v2_controllers:
                    _write(self.v2 / name / "pids.max", str(pids))
        except OSError:
            group.remove()
            raise
        return group

    def sweep(self, older_than: float = 60.0) -> None:
        """Remove empty run groups left by a process that ended before it could (rmdir
        refuses a group that still has processes)."""
        parents = [*self.v1.values(), *([self.v2] if self.v2 is not None else [])]
        now = time.time()
        for parent in parents:
            for child in parent.iterdir():
                with contextlib.suppress(OSError):
                    if child.is_dir() and now - child.stat().st_mtime > older_than:
                        child.rmdir()


class RunGroup:
    """One run's groups: the processes it joins, what they report and how they end."""

    def __init__(self, tree: CgroupTree, name: str) -> None:
        self._tree = tree
        self.name = name
        self.directories = tuple(
            [*(parent / name for parent in tree.v1.values()),
             *([tree.v2 / name] if tree.v2 is not None else [])])

    @property
    def limits_processes(self) -> bool:
        """The group has a process limit."""
        return self._tree.limits_processes

    @property
    def procs_files(self) -> tuple[str, ...]:
        """The ``cgroup.procs`` files a process writes its pid to, to join the run."""
        return tuple(str(directory / "cgroup.procs") for directory in self.directories)

    def _file(self, controller: str, name: str) -> pathlib.Path | None:
        if controller in self._tree.v1:
            return self._tree.v1[controller] / self.name / name
        if self._tree.v2 is not None and (controller in self._tree.v2_controllers
                                          or controller == "cpu"):
            return self._tree.v2 / self.name / name
        return None

    def oom_killed(self) -> bool:
        """The memory limit's OOM killer has killed a process of the run."""
        v1 = "memory" in self._tree.v1
        path = self._file("memory", "memory.oom_control" if v1 else "memory.events")
        return path is not None and _field(_read(path), "oom_kill") > 0

    def process_limit_hit(self) -> bool:
        """A fork of the run has failed at the process limit."""
        path = self._file("pids", "pids.events")
        return path is not None and _field(_read(path), "max") > 0

    def cpu_seconds(self) -> float:
        """CPU time of the run's processes so far, 0.0 where no group accounts for it."""
        if self._tree.v2 is not None:
            return _field(_read(self._tree.v2 / self.name / "cpu.stat"), "usage_usec") / 1e6
        if "cpuacct" in self._tree.v1:
            usage = _read(self._tree.v1["cpuacct"] / self.name / "cpuacct.usage").strip()
            return int(usage) / 1e9 if usage.isdigit() else 0.0
        return 0.0

    def pids(self) -> set[int]:
        """The processes in the run's groups now."""
        found: set[int] = set()
        for directory in self.directories:
            found.update(int(pid) for pid in _read(directory / "cgroup.procs").split())
        return found

    def signal(self, signum: int, spare: Collection[int] = ()) -> None:
        """Send ``signum`` once to every process of the run but those in ``spare``."""
        for pid in self.pids().difference(spare):
            with contextlib.suppress(ProcessLookupError):
                os.kill(pid, signum)

    def kill(self, spare: Collection[int] = ()) -> None:
        """SIGKILL every process of the run: ``cgroup.kill`` where v2 offers it, and each
        listed pid until none is left (v1 has no kill-all; a fork may race the first pass).

        Args:
            spare: Pids to leave: the wrapper and its init, which then report the code's
                death and exit, rather than die unreaped; the v2 kill-all is not used then.
        """
        if self._tree.v2 is not None and not spare:
            with contextlib.suppress(OSError):
                _write(self._tree.v2 / self.name / "cgroup.kill", "1")
        for _ in range(100):
            pids = self.pids().difference(spare)
            if not pids:
                return
            for pid in pids:
                with contextlib.suppress(ProcessLookupError):
                    os.kill(pid, signal.SIGKILL)

    def remove(self) -> bool:
        """Remove the run's groups; False while one still holds a (dying) process."""
        removed = True
        for directory in self.directories:
            try:
                directory.rmdir()
            except FileNotFoundError:
                pass
            except OSError:
                removed = False
        return removed

    async def close(self, timeout: float = 5.0) -> None:
        """Kill what is left of the run and remove its groups once its processes are gone."""
        self.kill()
        deadline = time.monotonic() + timeout
        delay = 0.001
        while not self.remove():
            if time.monotonic() > deadline:
                _log.warning("sandbox cgroup %s still busy after %.0f s; left for the sweep",
                             self.name, timeout)
                return
            await asyncio.sleep(delay)
            delay = min(delay * 2, 0.05)
            self.kill()
