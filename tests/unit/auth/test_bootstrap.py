"""BootstrapKey: the first platform API key, its secret written once to a 0600 file."""

from __future__ import annotations

import logging
import pathlib
import stat

import pytest

from services.auth.core.bootstrap import BootstrapKey, write_secret
from services.auth.core.scopes import ALL_SCOPES
from services.auth.server import AuthDomain
from shared.database import PageRequest


def bootstrap_of(domain: AuthDomain) -> BootstrapKey:
    return BootstrapKey(domain.tenants, domain.api_keys, "system")


def mode_of(path: pathlib.Path) -> int:
    return stat.S_IMODE(path.stat().st_mode)


async def test_the_first_start_creates_the_platform_tenant_and_an_all_scope_key(
        bare_domain: AuthDomain, tmp_path: pathlib.Path, caplog: pytest.LogCaptureFixture
) -> None:
    domain = bare_domain
    caplog.set_level(logging.DEBUG)
    path = tmp_path / "secrets" / "nested" / "bootstrap.key"

    key = await bootstrap_of(domain).ensure(path)

    assert key is not None
    assert (key.tenant, key.id, key.display_name) == ("system", "bootstrap-admin",
                                                      "bootstrap admin")
    assert mode_of(path) == 0o600
    assert [p.name for p in path.parent.iterdir()] == ["bootstrap.key"]  # no temporary left
    secret = path.read_text()
    assert (await domain.tenants.get("system")).id == "system"
    pair = await domain.tokens.sign_in_with_api_key(secret)
    principal = await domain.verifier.verify(pair.access_token)
    assert (principal.subject, principal.tenant) == ("tenants/system/apiKeys/bootstrap-admin",
                                                     "system")
    assert principal.scopes == ALL_SCOPES
    assert secret not in caplog.text


async def test_an_existing_file_is_left_alone(domain: AuthDomain, tmp_path: pathlib.Path
                                              ) -> None:
    path = tmp_path / "bootstrap.key"
    await bootstrap_of(domain).ensure(path)
    secret = path.read_text()

    assert await bootstrap_of(domain).ensure(path) is None

    assert path.read_text() == secret
    keys = await domain.api_keys.list("system", PageRequest())
    assert [k.id for k in keys.items] == ["bootstrap-admin"]


async def test_a_lost_file_gets_a_new_key_and_the_old_one_keeps_its_secret(
        domain: AuthDomain, tmp_path: pathlib.Path) -> None:
    path = tmp_path / "bootstrap.key"
    await bootstrap_of(domain).ensure(path)
    first = path.read_text()
    path.unlink()

    key = await bootstrap_of(domain).ensure(path)

    assert key is not None and key.id.startswith("bootstrap-admin-")
    assert path.read_text() != first
    await domain.tokens.sign_in_with_api_key(path.read_text())


async def test_a_key_whose_secret_cannot_be_written_is_revoked(domain: AuthDomain,
                                                               tmp_path: pathlib.Path) -> None:
    blocker = tmp_path / "not-a-directory"
    blocker.write_text("")

    with pytest.raises(OSError):
        await bootstrap_of(domain).ensure(blocker / "bootstrap.key")

    key = await domain.api_keys.get("system", "bootstrap-admin")
    assert key.revoke_time is not None


def test_write_secret_replaces_the_file_whole_and_private(tmp_path: pathlib.Path) -> None:
    path = tmp_path / "s"
    path.write_text("old")
    path.chmod(0o644)

    write_secret(path, "cog_x_new")

    assert (path.read_text(), mode_of(path)) == ("cog_x_new", 0o600)
    assert [p.name for p in tmp_path.iterdir()] == ["s"]

