"""A running mesh keeps its data and secrets to its owner: var/ and its data, log and run
folders and the key folder 0700; every database, key and secret file in them 0600."""

from __future__ import annotations

from cognos.mesh.supervisor import Mesh
from tests.umask import mode_of


def test_the_meshs_folders_and_data_files_are_private(mesh: Mesh) -> None:
    var = mesh.var_dir
    folders = [var, var / "data", var / "log", var / "run", var / "data" / "keys"]
    assert {str(f.relative_to(var)): mode_of(f) for f in folders} == {
        str(f.relative_to(var)): 0o700 for f in folders}
    data_files = [p for folder in (var / "data", var / "data" / "keys")
                  for p in folder.iterdir() if p.is_file()]
    assert any(p.suffix == ".db" for p in data_files) and any(p.suffix == ".pem"
                                                              for p in data_files)
    secrets = [*data_files, mesh.layout.bootstrap_key_file]
    assert {p.name: mode_of(p) for p in secrets} == {p.name: 0o600 for p in secrets}
