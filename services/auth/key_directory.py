"""``KeyDirectory``: signing keys as files, one PEM and one JSON metadata file per key.

Layout of the directory (``COGNOS_AUTH_KEY_DIR``, by default ``<COGNOS_DATA_DIR>/keys``)::

    <kid>.pem    the Ed25519 private key, PKCS#8 PEM, mode 0600
    <kid>.json   {"kid": ..., "created": ISO-8601, "retired_at": ISO-8601 or null}, mode 0600
    .lock        flock'ed while keys are generated or rotated, mode 0600

The directory is 0700 and every file 0600, whatever the umask; looser ones are tightened when
the keys are loaded. Files are written to a temporary name and renamed, so a reader never sees
half a key; the metadata is written after the PEM and a key without metadata is ignored.
Replicas share the directory (a mounted volume or secret store) and serialise changes through
the lock.
"""

from __future__ import annotations

import datetime as dt
import fcntl
import json
import logging
import os
import pathlib
import re
from collections.abc import Iterator
from contextlib import contextmanager

from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from services.auth.core.signing_keys import SigningKey
from shared.private_files import FILE_MODE, open_private, private_directory, tighten

log = logging.getLogger(__name__)

_KID = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_-]{0,127}$")


class KeyDirectory:
    """Signing keys stored in ``path`` (created, mode 0700, when missing).

    Args:
        path: The key directory.
    """

    def __init__(self, path: pathlib.Path) -> None:
        self.path = path

    def _ensure(self) -> None:
        private_directory(self.path)

    def load(self) -> list[SigningKey]:
        """Every complete key in the directory; unreadable ones are skipped with a warning.
        The directory and its files are tightened to 0700 and 0600 on the way."""
        if not self.path.is_dir():
            return []
        self._ensure()
        for file in self.path.iterdir():
            if file.is_file():
                tighten(file, FILE_MODE)
        keys = []
        for meta in sorted(self.path.glob("*.json")):
            try:
                keys.append(self._read(meta))
            except (OSError, ValueError, KeyError, TypeError) as error:
                log.warning("skipping signing key %s: %s", meta.name, error)
        return keys

    def _read(self, meta: pathlib.Path) -> SigningKey:
        data = json.loads(meta.read_text())
        kid = str(data["kid"])
        if not _KID.match(kid) or meta.stem != kid:
            raise ValueError(f"bad kid {kid!r}")
        pem = self.path / f"{kid}.pem"
        private_key = serialization.load_pem_private_key(pem.read_bytes(), password=None)
        if not isinstance(private_key, Ed25519PrivateKey):
            raise ValueError("not an Ed25519 private key")
        retired = data.get("retired_at")
        return SigningKey(kid, private_key, dt.datetime.fromisoformat(data["created"]),
                          dt.datetime.fromisoformat(retired) if retired else None)

    def save(self, key: SigningKey) -> None:
        """Write the key's PEM (once; a private key never changes) and its metadata."""
        if not _KID.match(key.kid):
            raise ValueError(f"bad kid {key.kid!r}")
        self._ensure()
        pem = self.path / f"{key.kid}.pem"
        if not pem.exists():
            self._write(pem, key.private_key.private_bytes(
                serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                serialization.NoEncryption()))
        metadata = {
            "kid": key.kid,
            "created": key.create_time.isoformat(),
            "retired_at": key.retire_time.isoformat() if key.retire_time else None,
        }
        self._write(self.path / f"{key.kid}.json",
                    (json.dumps(metadata, indent=2) + "\n").encode())

    def delete(self, kid: str) -> None:
        """Remove a key: its metadata first, so it is never half-visible."""
        for suffix in (".json", ".pem"):
            (self.path / f"{kid}{suffix}").unlink(missing_ok=True)

    def _write(self, target: pathlib.Path, content: bytes) -> None:
        temporary = target.with_name(f".{target.name}.{os.getpid()}.tmp")
        fd = open_private(temporary, os.O_WRONLY | os.O_TRUNC)
        try:
            with os.fdopen(fd, "wb") as handle:
                handle.write(content)
                handle.flush()
                os.fsync(handle.fileno())
            os.replace(temporary, target)
        except BaseException:
            temporary.unlink(missing_ok=True)
            raise

    @contextmanager
    def exclusive(self) -> Iterator[None]:
        """Hold the directory's lock (blocking) for the duration of the block."""
        self._ensure()
        fd = open_private(self.path / ".lock", os.O_WRONLY)
        try:
            fcntl.flock(fd, fcntl.LOCK_EX)
            yield
        finally:
            os.close(fd)
