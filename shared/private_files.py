"""Files and folders only their owner may use: 0600 and 0700, whatever the process's umask.

Data and secrets (SQLite databases, signing keys, the bootstrap key, the local mesh's ``var/``
folders) are created with these modes, and tightened to them when found looser.
"""

from __future__ import annotations

import contextlib
import logging
import os
import pathlib
import stat

log = logging.getLogger(__name__)

FILE_MODE = 0o600
DIRECTORY_MODE = 0o700


def tighten(path: pathlib.Path, mode: int) -> None:
    """Take from ``path`` every permission ``mode`` does not grant (never add one).

    A path its owner must fix (another user's) is left as it is, with a warning.
    """
    current = stat.S_IMODE(path.stat().st_mode)
    if current & ~mode:
        try:
            os.chmod(path, current & mode)
        except PermissionError:
            log.warning("%s has mode %o and cannot be made %o by this user", path, current,
                        mode)
        else:
            log.info("tightened %s from mode %o to %o", path, current, current & mode)


def private_directory(path: pathlib.Path) -> pathlib.Path:
    """Create ``path`` and its missing parents, each 0700, or tighten it to 0700; returns it."""
    missing = []
    folder = path
    while not folder.exists():
        missing.append(folder)
        folder = folder.parent
    for created in reversed(missing):
        with contextlib.suppress(FileExistsError):  # another process was quicker
            created.mkdir(mode=DIRECTORY_MODE)
        os.chmod(created, DIRECTORY_MODE)  # mkdir's mode went through the umask
    tighten(path, DIRECTORY_MODE)
    return path


def private_file(path: pathlib.Path) -> pathlib.Path:
    """Create ``path`` empty with mode 0600 unless it exists, else tighten it to 0600."""
    try:
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, FILE_MODE)
    except FileExistsError:
        tighten(path, FILE_MODE)
        return path
    try:
        os.fchmod(fd, FILE_MODE)  # os.open's mode went through the umask
    finally:
        os.close(fd)
    return path


def open_private(path: pathlib.Path, flags: int) -> int:
    """``os.open(path, flags | O_CREAT)``, the file then set to mode 0600; the descriptor."""
    fd = os.open(path, flags | os.O_CREAT, FILE_MODE)
    try:
        os.fchmod(fd, FILE_MODE)
    except BaseException:
        os.close(fd)
        raise
    return fd
