"""The local mesh's var/ folders (data, logs, run files) are created 0700 whatever the umask,
and tightened to 0700 when a mesh starts on looser ones."""

from __future__ import annotations

import pathlib

from cognos.mesh.supervisor import make_private_var
from tests.umask import mode_of, permissive_umask


def test_var_folders_are_created_private(tmp_path: pathlib.Path) -> None:
    var = tmp_path / "var"

    with permissive_umask():
        make_private_var(var)

    assert {name: mode_of(var / name) for name in ("", "data", "log", "run")} == {
        "": 0o700, "data": 0o700, "log": 0o700, "run": 0o700}


def test_loose_var_folders_are_tightened(tmp_path: pathlib.Path) -> None:
    var = tmp_path / "var"
    for name in ("data", "log", "run"):
        (var / name).mkdir(parents=True)
    for folder in (var, var / "data", var / "log", var / "run"):
        folder.chmod(0o755)
    (var / "log" / "envoy.log").write_text("kept")

    make_private_var(var)

    assert {mode_of(f) for f in (var, var / "data", var / "log", var / "run")} == {0o700}
    assert (var / "log" / "envoy.log").read_text() == "kept"
