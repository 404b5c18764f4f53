"""shared.private_files: 0600 files and 0700 folders whatever the umask; tightening only takes
permissions away."""

from __future__ import annotations

import os
import pathlib
from collections.abc import Iterator

import pytest

from shared.private_files import open_private, private_directory, private_file, tighten
from tests.umask import mode_of, permissive_umask


@pytest.fixture(autouse=True)
def _permissive_umask() -> Iterator[None]:
    with permissive_umask():
        yield


def test_folders_are_made_private_with_their_missing_parents(tmp_path: pathlib.Path) -> None:
    existing = tmp_path / "var"
    existing.mkdir(mode=0o755)

    private_directory(existing / "a" / "b")

    assert [mode_of(p) for p in (existing, existing / "a", existing / "a" / "b")] == [
        0o755, 0o700, 0o700]  # a parent that existed is left as it was
    private_directory(existing)
    assert mode_of(existing) == 0o700


def test_files_are_created_private_and_kept_so(tmp_path: pathlib.Path) -> None:
    created = private_file(tmp_path / "f")
    fd = open_private(tmp_path / "g", os.O_WRONLY)
    os.close(fd)
    loose = tmp_path / "h"
    loose.write_text("kept")
    loose.chmod(0o664)

    private_file(loose)

    assert [mode_of(p) for p in (created, tmp_path / "g", loose)] == [0o600, 0o600, 0o600]
    assert loose.read_text() == "kept"


def test_tightening_never_adds_a_permission(tmp_path: pathlib.Path) -> None:
    read_only = tmp_path / "r"
    read_only.write_text("x")
    read_only.chmod(0o444)

    tighten(read_only, 0o600)

    assert mode_of(read_only) == 0o400
