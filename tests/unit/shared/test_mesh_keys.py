"""The mesh secret: one per mesh, readable by its owner only, keys derived per purpose."""

from __future__ import annotations

import concurrent.futures
import pathlib
import stat

import pytest

from shared.mesh.keys import SECRET_FILE, MeshKeys, ensure_secret_file


def test_the_first_process_creates_the_secret_owner_only(tmp_path: pathlib.Path) -> None:
    MeshKeys.from_file(tmp_path)
    path = tmp_path / SECRET_FILE
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    assert stat.S_IMODE(path.parent.stat().st_mode) == 0o700


def test_processes_starting_together_share_one_secret(tmp_path: pathlib.Path) -> None:
    path = tmp_path / SECRET_FILE
    with concurrent.futures.ProcessPoolExecutor(4) as pool:
        secrets = set(pool.map(ensure_secret_file, [path] * 8))
    assert len(secrets) == 1 and list(path.parent.iterdir()) == [path]


def test_each_purpose_has_its_own_key() -> None:
    keys = MeshKeys.from_text("ab" * 32)
    assert keys.key("page-tokens/auth") != keys.key("page-tokens/memory")
    assert keys.key("page-tokens/auth") == MeshKeys(bytes.fromhex("ab" * 32)).key(
        "page-tokens/auth")


def test_a_short_secret_is_refused() -> None:
    with pytest.raises(ValueError, match="at least 32 bytes"):
        MeshKeys.from_text("too short")
