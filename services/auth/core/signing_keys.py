"""``SigningKeys``: the Ed25519 keys tokens are signed with, their rotation and overlap window.

One key is *active*: new tokens are signed with it. Rotating makes a fresh key active and
*retires* the previous one, which keeps verifying the tokens it signed for an overlap window
(longer than an access token lives) and is then dropped: it leaves the JWKS and its tokens are
rejected. The keys live in a :class:`KeyStorage` (files in a key directory, never the database
or the repository), which replicas share; each replica rereads it every few seconds and at once
when a token names a key it does not know, so a rotation on one replica reaches the others.
"""

from __future__ import annotations

import base64
import dataclasses
import datetime as dt
import secrets
from contextlib import AbstractContextManager
from typing import Protocol

from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey

from services.auth.core.clock import Clock, system_clock
from shared.errors import Unavailable

ALGORITHM = "EdDSA"
_FRESH_SPACING = dt.timedelta(seconds=1)


@dataclasses.dataclass(frozen=True)
class PublicJwk:
    """A public key as a JSON Web Key (RFC 8037 ``OKP`` form for Ed25519)."""

    kid: str
    x: str
    kty: str = "OKP"
    crv: str = "Ed25519"
    alg: str = ALGORITHM
    use: str = "sig"


@dataclasses.dataclass(frozen=True)
class SigningKey:
    """One Ed25519 key pair and its life.

    Attributes:
        kid: Key id, the ``kid`` header of the tokens it signs; letters, digits and ``-``.
        private_key: The private half (never logged, never leaves the key storage).
        create_time: When it was generated.
        retire_time: When it stopped being the active key; None while it is active.
    """

    kid: str
    private_key: Ed25519PrivateKey = dataclasses.field(repr=False, compare=False)
    create_time: dt.datetime
    retire_time: dt.datetime | None = None

    @classmethod
    def generate(cls, now: dt.datetime) -> SigningKey:
        """A fresh key created at ``now``, with a kid that sorts by creation time."""
        kid = f"{now:%Y%m%dT%H%M%S}-{secrets.token_hex(4)}".lower()
        return cls(kid, Ed25519PrivateKey.generate(), now)

    @property
    def public_key(self) -> Ed25519PublicKey:
        return self.private_key.public_key()

    def jwk(self) -> PublicJwk:
        """The public half as a JWK: ``x`` is the raw 32-byte key, base64url without padding."""
        raw = self.public_key.public_bytes(serialization.Encoding.Raw,
                                           serialization.PublicFormat.Raw)
        return PublicJwk(kid=self.kid, x=base64.urlsafe_b64encode(raw).decode().rstrip("="))

    def valid_until(self, overlap: dt.timedelta) -> dt.datetime | None:
        """When the key stops verifying; None while it is active."""
        return None if self.retire_time is None else self.retire_time + overlap

    def in_window(self, now: dt.datetime, overlap: dt.timedelta) -> bool:
        """Whether the key still verifies tokens at ``now``."""
        until = self.valid_until(overlap)
        return until is None or now < until


class KeyStorage(Protocol):
    """Where the keys are kept (a directory of PEM and metadata files)."""

    def load(self) -> list[SigningKey]: ...
    def save(self, key: SigningKey) -> None: ...
    def delete(self, kid: str) -> None: ...
    def exclusive(self) -> AbstractContextManager[None]:
        """Held while keys are generated or rotated, so replicas do not race."""
        ...


def _settle(keys: list[SigningKey]) -> list[SigningKey]:
    """The active key first, then the retired ones, newest first. At most one is active: should
    two be unretired (two replicas generating at once), the newest wins and the others count as
    retired when it was made."""
    keys = sorted(keys, key=lambda k: (k.create_time, k.kid), reverse=True)
    active = next((k for k in keys if k.retire_time is None), None)
    if active is None:
        return keys
    return [active, *(k if k.retire_time is not None
                      else dataclasses.replace(k, retire_time=active.create_time)
                      for k in keys if k is not active)]


class SigningKeys:
    """The active signing key and the retired ones still in their overlap window.

    Args:
        storage: Where the keys are kept.
        overlap: How long a retired key keeps verifying (at least the access token lifetime).
        clock: The current time.
        reload_interval: How often the storage is reread, to see other replicas' rotations.
    """

    def __init__(self, storage: KeyStorage, overlap: dt.timedelta, clock: Clock = system_clock,
                 reload_interval: dt.timedelta = dt.timedelta(seconds=10)) -> None:
        self._storage = storage
        self._overlap = overlap
        self._clock = clock
        self._reload_interval = reload_interval
        self._keys: list[SigningKey] = []
        self._loaded_at: dt.datetime | None = None

    @property
    def overlap(self) -> dt.timedelta:
        return self._overlap

    def _reload(self, now: dt.datetime) -> None:
        self._keys = _settle(self._storage.load())
        self._loaded_at = now

    def _current(self, fresh: bool = False) -> list[SigningKey]:
        """The keys, reread when older than the reload interval or, with ``fresh``, than a
        second (at most one reread a second, so callers cannot turn it into a flood of
        file reads)."""
        now = self._clock()
        age = None if self._loaded_at is None else now - self._loaded_at
        if age is None or age >= (_FRESH_SPACING if fresh else self._reload_interval):
            self._reload(now)
        return self._keys

    def ensure_active(self) -> SigningKey:
        """The active key, generating (and storing) the first one when there is none.

        Raises:
            OSError: The storage cannot be read or written.
        """
        with self._storage.exclusive():
            self._reload(self._clock())
            active = self._active_in(self._keys)
            if active is None:
                active = SigningKey.generate(self._clock())
                self._storage.save(active)
                self._reload(self._clock())
        return active

    @staticmethod
    def _active_in(keys: list[SigningKey]) -> SigningKey | None:
        return next((k for k in keys if k.retire_time is None), None)

    def active(self) -> SigningKey:
        """The key new tokens are signed with.

        Raises:
            Unavailable: No active key (the storage was emptied under the running service).
        """
        active = self._active_in(self._current())
        if active is None:
            raise Unavailable("no active signing key", reason="SIGNING_KEY_UNAVAILABLE")
        return active

    def verification_key(self, kid: str) -> SigningKey | None:
        """The key ``kid`` if it still verifies tokens now, else None.

        A kid this process has not seen yet makes it reread the storage once: another replica
        may have rotated.
        """
        now = self._clock()
        key = self._find(self._current(), kid)
        if key is None:
            key = self._find(self._current(fresh=True), kid)
        return key if key is not None and key.in_window(now, self._overlap) else None

    @staticmethod
    def _find(keys: list[SigningKey], kid: str) -> SigningKey | None:
        return next((k for k in keys if k.kid == kid), None)

    def published(self) -> list[SigningKey]:
        """Every key still in its window, the active one first (what the JWKS lists). Reread
        fresh, so a key another replica just made active is published at once."""
        now = self._clock()
        return [k for k in self._current(fresh=True) if k.in_window(now, self._overlap)]

    def rotate(self) -> SigningKey:
        """Make a new key active; the previous one retires now and keeps verifying for the
        overlap window. Keys whose window has passed are deleted from the storage.

        Raises:
            Unavailable: The storage cannot be written.
        """
        try:
            with self._storage.exclusive():
                now = self._clock()
                stored = {k.kid: k for k in self._storage.load()}
                new = SigningKey.generate(now)
                # Store the new key before retiring the old: a replica reading in between sees
                # two unretired keys and takes the newest, never none.
                self._storage.save(new)
                for key in _settle(list(stored.values())):
                    retired = key if key.retire_time else dataclasses.replace(key, retire_time=now)
                    if not retired.in_window(now, self._overlap):
                        self._storage.delete(key.kid)
                    elif stored[key.kid].retire_time != retired.retire_time:
                        self._storage.save(retired)
                self._reload(now)
        except OSError as error:
            raise Unavailable("the signing keys cannot be written",
                              reason="SIGNING_KEY_STORAGE_UNAVAILABLE") from error
        return new


class PublishedKeys:
    """The public keys of ``keys`` that verify tokens now, by key id: what this service's own
    RPC boundary verifies access tokens with (others fetch the same through GetJwks).

    Args:
        keys: The signing keys.
    """

    def __init__(self, keys: SigningKeys) -> None:
        self._keys = keys

    async def get(self, kid: str) -> Ed25519PublicKey | None:
        key = self._keys.verification_key(kid)
        return key.public_key if key is not None else None
