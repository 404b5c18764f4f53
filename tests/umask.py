"""A permissive umask for tests of file modes: what is private must be made so by the code."""

from __future__ import annotations

import os
import pathlib
import stat
from collections.abc import Iterator
from contextlib import contextmanager


@contextmanager
def permissive_umask() -> Iterator[None]:
    """Umask 0 for the block (files and folders would be created 0666 and 0777)."""
    previous = os.umask(0)
    try:
        yield
    finally:
        os.umask(previous)


def mode_of(path: pathlib.Path) -> int:
    """The permission bits of ``path``."""
    return stat.S_IMODE(path.stat().st_mode)
