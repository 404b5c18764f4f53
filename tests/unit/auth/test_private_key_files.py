"""The signing keys and the bootstrap key are their owner's only: folders 0700, files 0600,
whatever the umask, and looser ones found at start are tightened."""

from __future__ import annotations

import pathlib
from collections.abc import Iterator

import pytest

from services.auth.config import Settings
from services.auth.core.bootstrap import BootstrapKey
from services.auth.core.signing_keys import SigningKeys
from services.auth.key_directory import KeyDirectory
from services.auth.server import AuthDomain, bootstrap
from tests.umask import mode_of, permissive_umask
from tests.unit.auth.support import FakeClock
from tests.unit.auth.test_signing_keys import OVERLAP


@pytest.fixture(autouse=True)
def _permissive_umask() -> Iterator[None]:
    with permissive_umask():
        yield


def test_key_files_are_created_private_whatever_the_umask(tmp_path: pathlib.Path,
                                                          clock: FakeClock) -> None:
    key_dir = tmp_path / "data" / "keys"

    keys = SigningKeys(KeyDirectory(key_dir), OVERLAP, clock)
    keys.ensure_active()
    keys.rotate()

    assert mode_of(key_dir) == mode_of(key_dir.parent) == 0o700
    files = list(key_dir.iterdir())
    assert {p.suffix or p.name for p in files} == {".pem", ".json", ".lock"}
    assert {p.name: mode_of(p) for p in files} == {p.name: 0o600 for p in files}


def test_loose_key_files_are_tightened_at_start(tmp_path: pathlib.Path,
                                                clock: FakeClock) -> None:
    key_dir = tmp_path / "keys"
    SigningKeys(KeyDirectory(key_dir), OVERLAP, clock).ensure_active()
    key_dir.chmod(0o755)
    for file in key_dir.iterdir():
        file.chmod(0o644)

    SigningKeys(KeyDirectory(key_dir), OVERLAP, clock).ensure_active()

    assert mode_of(key_dir) == 0o700
    assert {mode_of(p) for p in key_dir.iterdir()} == {0o600}


async def test_the_bootstrap_key_and_a_folder_made_for_it_are_private(
        domain: AuthDomain, tmp_path: pathlib.Path) -> None:
    path = tmp_path / "run" / "bootstrap.key"

    await BootstrapKey(domain.tenants, domain.api_keys, "system").ensure(path)

    assert (mode_of(path.parent), mode_of(path)) == (0o700, 0o600)


async def test_a_loose_bootstrap_key_is_tightened_at_start(tmp_path: pathlib.Path) -> None:
    path = tmp_path / "bootstrap.key"
    settings = Settings(mesh={"data_dir": str(tmp_path)}, bootstrap_key_file=path)
    await bootstrap(settings)
    secret = path.read_text()
    path.chmod(0o644)

    await bootstrap(settings)

    assert (path.read_text(), mode_of(path)) == (secret, 0o600)
