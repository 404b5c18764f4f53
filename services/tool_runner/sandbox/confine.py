"""The layers around one sandboxed process: what the child does between fork and exec (join
the run's cgroups, set rlimits, hide the file system in the fallback, drop to the slot's uid)
and the wrapper command it then execs (bubblewrap, or unshare in the fallback)."""

from __future__ import annotations

import ctypes
import dataclasses
import math
import os
import resource
import subprocess
from collections.abc import Callable, Sequence
from typing import Literal

from services.tool_runner.sandbox.cgroups import CgroupTree, RunGroup
from services.tool_runner.sandbox.limits import Limits

Mode = Literal["bwrap", "unshare"]

# Where the code is inside bubblewrap; the fallback reads it from its inherited descriptor.
CODE_PATH = "/sandbox/main.py"
# The processes a wrapper adds to the code's: bwrap (or unshare) and the namespace's init.
WRAPPER_PROCESSES = 2
OPEN_FILES = 256
ENVIRONMENT = {"PATH": "/usr/local/bin:/usr/bin:/bin", "HOME": "/tmp", "LANG": "C.UTF-8"}
# Top-level directories the fallback leaves visible; it covers every other one.
SYSTEM_DIRECTORIES = frozenset({"usr", "bin", "sbin", "lib", "lib32", "lib64", "libx32", "etc",
                                "dev", "proc", "tmp"})

# bwrap's root is a tmpfs of its own; once built, only /tmp (and /dev) stay writable.
_READ_ONLY_ROOT = ("--remount-ro", "/")
_NETWORK_FILES = ("/etc/resolv.conf", "/etc/hosts", "/etc/nsswitch.conf", "/etc/ssl",
                  "/etc/ca-certificates", "/etc/gai.conf")

_libc = ctypes.CDLL(None, use_errno=True)
_PR_SET_NO_NEW_PRIVS = 38
_CLONE_NEWNS = 0x00020000
_MS_RDONLY, _MS_NOSUID, _MS_NODEV, _MS_NOEXEC = 1, 2, 4, 8
_MS_REC, _MS_PRIVATE = 1 << 14, 1 << 18


def _check(result: int) -> None:
    if result != 0:
        errno = ctypes.get_errno()
        raise OSError(errno, os.strerror(errno))


def system_binds() -> tuple[str, ...]:
    """The bwrap arguments that show the system's programs and libraries read-only: ``/usr``
    and the top-level links or directories (``/lib``, ``/bin``, ...) into it."""
    binds = ["--ro-bind", "/usr", "/usr"]
    for name in ("bin", "sbin", "lib", "lib32", "lib64", "libx32"):
        path = f"/{name}"
        if os.path.islink(path):
            binds += ["--symlink", os.readlink(path), path]
        elif os.path.isdir(path):
            binds += ["--ro-bind", path, path]
    for path in ("/etc/ld.so.cache", "/etc/localtime", "/etc/alternatives"):
        binds += ["--ro-bind-try", path, path]
    return tuple(binds)


def bwrap_hardening(wrapper: str) -> tuple[str, ...]:
    """The optional bwrap flags this bwrap knows: ``--disable-userns`` (0.8), so that the
    code cannot make user namespaces of its own."""
    try:
        usage = subprocess.run([wrapper, "--help"], capture_output=True, text=True,
                               timeout=10).stdout
    except (OSError, subprocess.SubprocessError):
        return ()
    return ("--disable-userns",) if "--disable-userns" in usage else ()


def hidden_directories(visible: Sequence[str] = ()) -> tuple[str, ...]:
    """The top-level directories the fallback covers: all but the system's and those holding
    a path in ``visible``."""
    keep = set(SYSTEM_DIRECTORIES)
    keep.update(os.path.abspath(path).split("/")[1] for path in visible)
    return tuple(sorted(
        entry.path for entry in os.scandir("/")
        if entry.is_dir(follow_symlinks=False) and entry.name not in keep))


@dataclasses.dataclass(frozen=True)
class Confinement:
    """How this machine confines a sandboxed process.

    Attributes:
        mode: ``bwrap``, or ``unshare`` where bubblewrap is missing.
        wrapper: The bwrap or unshare executable.
        python: The interpreter the code runs on (one the slot uids may execute).
        uid_base: Slot n runs as uid and gid ``uid_base + n``; None where this process cannot
            change uid (not root), so the code keeps this process's.
        cgroups: The cgroup parents runs get their groups under, if any.
        binds: bwrap's read-only view of the system (see ``system_binds``).
        hardening: Optional bwrap flags this bwrap knows (see ``bwrap_hardening``).
        shell: The pid namespace's init, which runs the command (see ``_init``).
    """

    mode: Mode
    wrapper: str
    python: str
    uid_base: int | None
    cgroups: CgroupTree | None
    binds: tuple[str, ...] = ()
    hardening: tuple[str, ...] = ()
    shell: str = "/bin/sh"

    @property
    def layers(self) -> tuple[str, ...]:
        """The confinement layers a run gets, outermost first."""
        layers = [*(self.cgroups.layers if self.cgroups is not None else ()), "rlimits"]
        if self.uid_base is not None:
            layers.append("uid")
        if self.mode == "unshare":
            layers.append("mount-namespace")
        layers.append(self.mode)
        return tuple(layers)

    def group(self, name: str, limits: Limits) -> RunGroup | None:
        """A new cgroup for one run, None where there are no cgroups."""
        if self.cgroups is None:
            return None
        return self.cgroups.create(name, memory_bytes=limits.memory_bytes,
                                   pids=limits.processes + WRAPPER_PROCESSES)

    def uid(self, slot: int) -> int | None:
        """The uid slot ``slot`` runs as, None where runs keep this process's."""
        return None if self.uid_base is None else self.uid_base + slot

    def python_argv(self, code_fd: int, limits: Limits) -> list[str]:
        """The command that runs the code in the open descriptor ``code_fd``."""
        if self.mode == "bwrap":
            return [*self._bwrap(limits, network=False, ro_paths=()),
                    "--ro-bind-data", str(code_fd), CODE_PATH, *_READ_ONLY_ROOT,
                    "--", *self._init(), self.python, "-I", "-u", CODE_PATH]
        return [*self._unshare(network=False), *self._init(), self.python, "-I", "-u",
                f"/dev/fd/{code_fd}"]

    def command_argv(self, argv: Sequence[str], limits: Limits, *, network: bool = False,
                     ro_paths: Sequence[str] = ()) -> list[str]:
        """The command that runs ``argv`` confined; ``ro_paths`` are shown read-only too."""
        if self.mode == "bwrap":
            return [*self._bwrap(limits, network=network, ro_paths=ro_paths),
                    *_READ_ONLY_ROOT, "--", *self._init(), *argv]
        return [*self._unshare(network=network), *self._init(), *argv]

    def _bwrap(self, limits: Limits, *, network: bool, ro_paths: Sequence[str]) -> list[str]:
        argv = [self.wrapper, "--unshare-all", "--unshare-user", *self.hardening,
                "--die-with-parent", "--new-session", "--as-pid-1", "--hostname", "sandbox",
                *self.binds, "--size", str(limits.memory_bytes), "--tmpfs", "/tmp",
                "--proc", "/proc", "--dev", "/dev", "--chdir", "/tmp"]
        if network:
            argv[2:2] = ["--share-net"]
            for path in _NETWORK_FILES:
                argv += ["--ro-bind-try", path, path]
        for path in ro_paths:
            argv += ["--ro-bind", path, path]
        return argv

    def _unshare(self, *, network: bool) -> list[str]:
        namespaces = ["--user", "--map-current-user", "--pid", "--fork", "--kill-child",
                      "--mount-proc", "--ipc", "--uts", "--cgroup"]
        if not network:
            namespaces.append("--net")
        return [self.wrapper, *namespaces, "--"]

    def _init(self) -> list[str]:
        """The pid namespace's init, which runs the command and exits with its status (128 + N
        for signal N). Not the code itself: an init ignores the signals it has no handler for
        (SIGXCPU among them) and must reap orphans. Not bwrap's own init either: bwrap returns
        before reaping it, which leaves a zombie of the slot's uid to the host's init. The
        shell's own messages ("Killed") go to /dev/null, not into the code's stderr."""
        script = 'exec 3>&2 2>/dev/null; (exec "$@" 2>&3 3>&-); exit $?'
        return [self.shell, "-c", script, "sandbox"]

    def preexec(self, *, slot: int, group: RunGroup | None, limits: Limits,
                visible: Sequence[str] = ()) -> Callable[[], None]:
        """What the child does between fork and exec, every value worked out beforehand."""
        procs = group.procs_files if group is not None else ()
        uid = self.uid(slot)
        pids = limits.processes + WRAPPER_PROCESSES
        cpu = math.ceil(limits.cpu_seconds)
        rlimits = [(resource.RLIMIT_AS, limits.memory_bytes),
                   (resource.RLIMIT_CPU, cpu), (resource.RLIMIT_FSIZE, limits.file_bytes),
                   (resource.RLIMIT_NOFILE, OPEN_FILES), (resource.RLIMIT_CORE, 0)]
        hard = {resource.RLIMIT_CPU: cpu + 1}  # SIGXCPU at the soft limit, SIGKILL a second on
        if uid is not None:
            # Counted per uid, and each slot has its own. Where the pids cgroup holds the
            # limit this is a backstop just above it: the cgroup, which reports reaching its
            # limit, is the one that refuses the fork.
            backstop = 2 if group is not None and group.limits_processes else 0
            rlimits.append((resource.RLIMIT_NPROC, pids + backstop))
        mounts = self._private_mounts(uid, limits, visible) if self.mode == "unshare" else []

        def preexec() -> None:
            pid = str(os.getpid())
            for path in procs:
                with open(path, "w") as procs_file:
                    procs_file.write(pid)
            if mounts:
                _check(_libc.unshare(_CLONE_NEWNS))
                for mount in mounts:
                    _check(_libc.mount(*mount))
                os.chdir("/tmp")
            for which, value in rlimits:
                resource.setrlimit(which, (value, hard.get(which, value)))
            _check(_libc.prctl(_PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0))
            if uid is not None:
                os.setgroups([])
                os.setresgid(uid, uid, uid)
                os.setresuid(uid, uid, uid)

        return preexec

    @staticmethod
    def _private_mounts(uid: int | None, limits: Limits, visible: Sequence[str]
                        ) -> list[tuple[bytes | None, bytes, bytes | None, int, bytes | None]]:
        """The fallback's mounts in its own mount namespace, made as root before the uid
        drop, so the code cannot undo them: a private /tmp and /dev/shm, and every
        non-system top-level directory covered by an empty read-only tmpfs."""
        owner = f",uid={uid},gid={uid}" if uid is not None else ""
        private = f"size={limits.memory_bytes},mode=0700{owner}".encode()
        hidden = b"size=4k,mode=0555"
        mounts: list[tuple[bytes | None, bytes, bytes | None, int, bytes | None]] = [
            (None, b"/", None, _MS_REC | _MS_PRIVATE, None),
            (b"tmpfs", b"/tmp", b"tmpfs", _MS_NOSUID | _MS_NODEV, private),
            (b"tmpfs", b"/dev/shm", b"tmpfs", _MS_NOSUID | _MS_NODEV, private)]
        flags = _MS_RDONLY | _MS_NOSUID | _MS_NODEV | _MS_NOEXEC
        # The host's POSIX message queues are files there, shared whatever the IPC namespace.
        covered = [*hidden_directories(visible),
                   *(["/dev/mqueue"] if os.path.ismount("/dev/mqueue") else [])]
        mounts += [(b"tmpfs", path.encode(), b"tmpfs", flags, hidden) for path in covered]
        return mounts
