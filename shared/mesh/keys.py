"""The mesh secret and the keys derived from it.

Every process of a mesh shares one secret: ``COGNOS_MESH_SECRET`` where the deployment provides
it (production: from its secret store), else a file under the data directory that the first
process to start creates (mode 0600, in a 0700 folder) and the others read. Nothing uses the
secret itself: each purpose derives its own key (HKDF-SHA256), so a key leaked from one purpose
(a service's page tokens) opens nothing else (the mesh's service credentials).
"""

from __future__ import annotations

import os
import pathlib
import secrets

from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.kdf.hkdf import HKDF

SECRET_BYTES = 32
SECRET_FILE = pathlib.Path("secrets") / "mesh.key"


class MeshKeys:
    """Derives one key per purpose from the mesh secret.

    Args:
        secret: The mesh secret (at least 32 bytes).
    """

    def __init__(self, secret: bytes) -> None:
        if len(secret) < SECRET_BYTES:
            raise ValueError(f"the mesh secret must have at least {SECRET_BYTES} bytes")
        self._secret = secret
        self._derived: dict[str, bytes] = {}

    def key(self, purpose: str) -> bytes:
        """The 32-byte key of ``purpose`` (``page-tokens/task-planner``), the same in every
        process that shares the secret."""
        key = self._derived.get(purpose)
        if key is None:
            key = HKDF(algorithm=hashes.SHA256(), length=32, salt=None,
                       info=f"cognitionos/{purpose}".encode()).derive(self._secret)
            self._derived[purpose] = key
        return key

    @classmethod
    def from_text(cls, text: str) -> MeshKeys:
        """Keys from a secret given as text (hex, or any string of at least 32 bytes)."""
        text = text.strip()
        try:
            raw = bytes.fromhex(text)
        except ValueError:
            raw = text.encode()
        return cls(raw)

    @classmethod
    def from_file(cls, data_dir: pathlib.Path) -> MeshKeys:
        """Keys from the secret file under ``data_dir``, created when missing."""
        return cls.from_text(ensure_secret_file(data_dir / SECRET_FILE))


def ensure_secret_file(path: pathlib.Path) -> str:
    """The secret stored at ``path``; a new random one is written there first when there is
    none. Processes starting together agree: the file appears whole or not at all."""
    if not path.exists():
        path.parent.mkdir(mode=0o700, parents=True, exist_ok=True)
        temporary = path.with_name(f".{path.name}.{os.getpid()}.{secrets.token_hex(4)}")
        fd = os.open(temporary, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        try:
            with os.fdopen(fd, "w") as handle:
                handle.write(secrets.token_hex(SECRET_BYTES) + "\n")
                handle.flush()
                os.fsync(handle.fileno())
            os.link(temporary, path)  # fails if another process made it first: theirs wins
        except FileExistsError:
            pass
        finally:
            temporary.unlink(missing_ok=True)
    return path.read_text()
