"""Signing keys in a key directory: first key, rotation, the overlap window and the JWKS."""

from __future__ import annotations

import base64
import datetime as dt
import json
import pathlib
import stat

import pytest
from cryptography.hazmat.primitives import serialization

from services.auth.config import Settings
from services.auth.core.signing_keys import SigningKeys
from services.auth.key_directory import KeyDirectory
from tests.unit.auth.support import FakeClock

OVERLAP = dt.timedelta(seconds=960)


def keys_in(path: pathlib.Path, clock: FakeClock) -> SigningKeys:
    return SigningKeys(KeyDirectory(path), OVERLAP, clock)


def test_first_start_generates_one_private_key_file_and_its_metadata(
        tmp_path: pathlib.Path, clock: FakeClock) -> None:
    key_dir = tmp_path / "keys"
    keys = keys_in(key_dir, clock)

    active = keys.ensure_active()

    assert sorted(p.name for p in key_dir.iterdir() if not p.name.startswith(".")) == [
        f"{active.kid}.json", f"{active.kid}.pem"]
    assert stat.S_IMODE((key_dir / f"{active.kid}.pem").stat().st_mode) == 0o600
    assert stat.S_IMODE((key_dir / f"{active.kid}.json").stat().st_mode) == 0o600
    assert stat.S_IMODE(key_dir.stat().st_mode) == 0o700
    metadata = json.loads((key_dir / f"{active.kid}.json").read_text())
    assert metadata == {"kid": active.kid, "created": clock.now.isoformat(), "retired_at": None}
    assert b"PRIVATE KEY" in (key_dir / f"{active.kid}.pem").read_bytes()
    # A restart (or another replica) finds the same key instead of making another.
    assert keys_in(key_dir, clock).ensure_active().kid == active.kid


def test_the_jwks_entry_is_an_okp_ed25519_key(tmp_path: pathlib.Path, clock: FakeClock) -> None:
    keys = keys_in(tmp_path, clock)
    active = keys.ensure_active()

    jwk = active.jwk()

    raw = active.public_key.public_bytes(serialization.Encoding.Raw,
                                         serialization.PublicFormat.Raw)
    assert (jwk.kty, jwk.crv, jwk.alg, jwk.use, jwk.kid) == ("OKP", "Ed25519", "EdDSA", "sig",
                                                             active.kid)
    assert base64.urlsafe_b64decode(jwk.x + "=" * (-len(jwk.x) % 4)) == raw
    assert "=" not in jwk.x


def test_rotation_keeps_the_previous_key_for_the_overlap_window_then_drops_it(
        tmp_path: pathlib.Path, clock: FakeClock) -> None:
    keys = keys_in(tmp_path, clock)
    first = keys.ensure_active()
    clock.advance(hours=1)

    second = keys.rotate()

    assert keys.active().kid == second.kid != first.kid
    assert [k.kid for k in keys.published()] == [second.kid, first.kid]
    assert keys.verification_key(first.kid) is not None
    clock.advance(seconds=OVERLAP.total_seconds() - 1)
    assert keys.verification_key(first.kid) is not None
    clock.advance(seconds=1)
    assert keys.verification_key(first.kid) is None
    assert [k.kid for k in keys.published()] == [second.kid]
    assert keys.verification_key(second.kid) is not None


def test_rotating_again_deletes_keys_past_their_window(tmp_path: pathlib.Path,
                                                       clock: FakeClock) -> None:
    keys = keys_in(tmp_path, clock)
    first = keys.ensure_active()
    second = keys.rotate()
    clock.advance(seconds=OVERLAP.total_seconds() + 1)

    third = keys.rotate()

    assert not (tmp_path / f"{first.kid}.pem").exists()
    assert [k.kid for k in keys.published()] == [third.kid, second.kid]
    stored = json.loads((tmp_path / f"{second.kid}.json").read_text())
    assert stored["retired_at"] == clock.now.isoformat()


def test_a_replica_sees_another_replicas_rotation(tmp_path: pathlib.Path,
                                                  clock: FakeClock) -> None:
    one, other = keys_in(tmp_path, clock), keys_in(tmp_path, clock)
    first = one.ensure_active()
    assert other.active().kid == first.kid

    clock.advance(seconds=2)
    rotated = one.rotate()

    # A token with the new kid makes the other replica reread the directory at once...
    assert other.verification_key(rotated.kid) is not None
    # ...and it signs with the new key from then on.
    assert other.active().kid == rotated.kid


def test_unknown_kids_do_not_make_it_reread_the_directory_more_than_once_a_second(
        tmp_path: pathlib.Path, clock: FakeClock) -> None:
    one, other = keys_in(tmp_path, clock), keys_in(tmp_path, clock)
    one.ensure_active()
    other.active()
    rotated = one.rotate()

    assert other.verification_key(rotated.kid) is None  # read this very second
    clock.advance(seconds=1)
    assert other.verification_key(rotated.kid) is not None


def test_a_broken_key_file_is_skipped(tmp_path: pathlib.Path, clock: FakeClock) -> None:
    keys = keys_in(tmp_path, clock)
    active = keys.ensure_active()
    (tmp_path / "junk.json").write_text("{not json")

    assert [k.kid for k in KeyDirectory(tmp_path).load()] == [active.kid]


def test_the_key_directory_defaults_to_the_data_dir_and_the_overlap_to_ttl_plus_a_minute(
        tmp_path: pathlib.Path, monkeypatch: pytest.MonkeyPatch) -> None:
    settings = Settings(mesh={"data_dir": str(tmp_path)}, access_token_ttl_seconds=300)
    assert settings.resolved_key_dir == tmp_path / "keys"
    assert settings.key_overlap == dt.timedelta(seconds=360)

    monkeypatch.setenv("COGNOS_AUTH_KEY_DIR", str(tmp_path / "elsewhere"))
    monkeypatch.setenv("COGNOS_AUTH_KEY_OVERLAP_SECONDS", "42")
    from_env = Settings()
    assert from_env.resolved_key_dir == tmp_path / "elsewhere"
    assert from_env.key_overlap == dt.timedelta(seconds=42)


def test_a_replicas_jwks_shows_another_replicas_new_key_within_a_second(
        tmp_path: pathlib.Path, clock: FakeClock) -> None:
    one, other = keys_in(tmp_path, clock), keys_in(tmp_path, clock)
    first = one.ensure_active()
    assert [k.kid for k in other.published()] == [first.kid]

    clock.advance(seconds=1)
    rotated = one.rotate()

    assert [k.kid for k in other.published()] == [rotated.kid, first.kid]
