"""What confinement this machine offers, found once at start; SandboxUnavailable where there is
none, so that the service does not offer to run code at all."""

from __future__ import annotations

import logging
import os
import pwd
import shutil
import subprocess
from typing import Literal

from services.tool_runner.sandbox.cgroups import PARENT, CgroupTree
from services.tool_runner.sandbox.confine import (
    ENVIRONMENT,
    Confinement,
    Mode,
    bwrap_hardening,
    system_binds,
)
from services.tool_runner.sandbox.limits import Limits

_log = logging.getLogger(__name__)

Choice = Literal["auto", "bwrap", "unshare"]
_SMOKE = "import os; print(os.getuid())"


class SandboxUnavailable(RuntimeError):
    """This machine cannot confine code (no working bubblewrap, nor root for the fallback);
    code must then not run at all."""


def _free_uids(uid_base: int, count: int) -> None:
    for uid in range(uid_base, uid_base + count):
        try:
            account = pwd.getpwuid(uid)
        except KeyError:
            continue
        raise SandboxUnavailable(f"uid {uid} belongs to the account {account.pw_name}; the "
                                 f"sandbox needs {count} unused uids from {uid_base}")


def smoke_test(confinement: Confinement) -> str:
    """Run a line of Python through every layer of ``confinement``; what went wrong, or ""."""
    limits = Limits()
    try:
        group = confinement.group(f"probe-{os.getpid()}", limits)
    except OSError as error:
        return f"cannot create a cgroup: {error}"
    code = os.memfd_create("sandbox-probe", os.MFD_CLOEXEC)
    try:
        os.write(code, _SMOKE.encode())
        os.lseek(code, 0, os.SEEK_SET)
        done = subprocess.run(
            confinement.python_argv(code, limits), capture_output=True, pass_fds=(code,),
            env=ENVIRONMENT, cwd="/", start_new_session=True, timeout=30,
            preexec_fn=confinement.preexec(slot=0, group=group, limits=limits))
    except (OSError, subprocess.SubprocessError) as error:
        return str(error)
    finally:
        os.close(code)
        if group is not None:
            group.kill()
            group.remove()
    expected = str(confinement.uid(0) if confinement.uid_base is not None else os.getuid())
    if done.returncode != 0 or done.stdout.decode().strip() != expected:
        stderr = done.stderr.decode(errors="replace").strip().splitlines()
        return (f"a test run exited {done.returncode}"
                + (f": {stderr[-1]}" if stderr else f" printing {done.stdout[:80]!r}"))
    return ""


def probe(*, mode: Choice = "auto", uid_base: int = 61000, uids: int = 12,
          python: str = "/usr/bin/python3", cgroup_parent: str = PARENT,
          smoke: bool = True) -> Confinement:
    """The confinement to run code under: bubblewrap where it works, else (``auto``) the
    unshare fallback, which needs root; ``mode`` forces one of them.

    Args:
        mode: ``auto``, or the one mode to use.
        uid_base: The first slot uid, used when this process is root.
        uids: How many slot uids from ``uid_base`` runs may use; none may be an account's.
        python: The interpreter for the code, executable by the slot uids.
        cgroup_parent: The parent group's name in each cgroup hierarchy.
        smoke: Run a line of Python through the layers before accepting them.

    Raises:
        SandboxUnavailable: No mode confines code here; the message says why for each.
    """
    if not os.access(python, os.X_OK):
        raise SandboxUnavailable(f"{python} is not an executable interpreter")
    root = os.geteuid() == 0
    if root:
        _free_uids(uid_base, uids)
    cgroups = CgroupTree.detect(cgroup_parent) if root else None
    if cgroups is not None:
        cgroups.sweep()
    modes: tuple[Mode, ...] = ("bwrap", "unshare") if mode == "auto" else (mode,)
    reasons = []
    for candidate in modes:
        wrapper = shutil.which(candidate) or shutil.which(candidate, path="/usr/bin:/bin")
        if wrapper is None:
            reasons.append(f"{candidate} is not installed")
            continue
        if candidate == "unshare" and not root:
            reasons.append("the unshare fallback needs root (to change uid and hide files)")
            continue
        bwrap = candidate == "bwrap"
        confinement = Confinement(candidate, wrapper, python, uid_base if root else None,
                                  cgroups, binds=system_binds() if bwrap else (),
                                  hardening=bwrap_hardening(wrapper) if bwrap else ())
        problem = smoke_test(confinement) if smoke else ""
        if not problem:
            _log.info("sandbox layers: %s", " > ".join(confinement.layers))
            return confinement
        reasons.append(f"{candidate}: {problem}")
    raise SandboxUnavailable("no sandbox is available: " + "; ".join(reasons))
