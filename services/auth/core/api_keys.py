"""``ApiKeyService``: creating, listing and revoking API keys, and recognising their secrets."""

from __future__ import annotations

import dataclasses
import hashlib
import secrets
from typing import Protocol

from services.auth.core.clock import Clock, system_clock
from services.auth.core.models import ApiKey
from services.auth.core.scopes import unknown_scopes
from shared.errors import FailedPrecondition, FieldViolation, InvalidArgument, Unauthenticated
from shared.resources.standard import Readable
from shared.resources.store import ReadStore

SECRET_PREFIX = "cog_"
# Characters of the random part shown in ``key_prefix``: enough to tell keys apart, while the
# remaining 250-odd bits stay secret.
_SHOWN_RANDOM_CHARS = 4

API_KEY_INVALID = "API_KEY_INVALID"
API_KEY_REVOKED = "API_KEY_REVOKED"
API_KEY_EXPIRED = "API_KEY_EXPIRED"


def hash_secret(secret: str) -> str:
    """SHA-256 of a secret, hex.

    A fast, unsalted hash is enough here, unlike for passwords: the secrets are 256 random bits
    (``secrets.token_urlsafe(32)``), so there is no dictionary to try and no brute force that a
    slow hash would meaningfully slow down; and being deterministic, the hash doubles as the
    lookup key (a sign-in presents only the secret, not which key or tenant it belongs to).
    """
    return hashlib.sha256(secret.encode()).hexdigest()


def new_secret(key_id: str) -> str:
    """``cog_<key id>_<32 random bytes, base64url>``."""
    return f"{SECRET_PREFIX}{key_id}_{secrets.token_urlsafe(32)}"


def is_well_formed(secret: str) -> bool:
    """Whether ``secret`` has the shape of one of our secrets (key ids never contain ``_``)."""
    key_id, sep, random_part = secret.removeprefix(SECRET_PREFIX).partition("_")
    return secret.startswith(SECRET_PREFIX) and bool(key_id) and bool(sep) and bool(random_part)


class ApiKeyStore(ReadStore[ApiKey], Protocol):
    """What ``ApiKeyService`` needs of its repository."""

    async def create(self, entity: ApiKey) -> ApiKey: ...
    async def update(self, entity: ApiKey, expected_etag: str = "") -> ApiKey: ...
    async def find_by_secret_hash(self, secret_hash: str) -> ApiKey | None: ...


class ApiKeyService(Readable[ApiKey]):
    """API keys of every tenant, persisted through ``keys``.

    Args:
        keys: Repository of API keys.
        clock: The current time.
    """

    def __init__(self, keys: ApiKeyStore, clock: Clock = system_clock) -> None:
        super().__init__(keys)
        self._keys = keys
        self._clock = clock

    async def create(self, key: ApiKey) -> tuple[ApiKey, str]:
        """Store a new key and return it with its secret, which is not kept.

        Raises:
            InvalidArgument: A scope is unknown, or ``expire_time`` is not in the future.
            AlreadyExists: The id is taken in the tenant.
        """
        violations = [FieldViolation(f"api_key.scopes[{i}]", f"unknown scope {name!r}")
                      for i, name in unknown_scopes(key.scopes)]
        now = self._clock()
        if key.expire_time is not None and key.expire_time <= now:
            violations.append(FieldViolation("api_key.expire_time", "must be in the future"))
        if violations:
            raise InvalidArgument("invalid API key: " + "; ".join(
                f"{v.field}: {v.description}" for v in violations), violations)
        secret = new_secret(key.id)
        shown = len(SECRET_PREFIX) + len(key.id) + 1 + _SHOWN_RANDOM_CHARS
        created = await self._keys.create(dataclasses.replace(
            key, scopes=sorted(set(key.scopes)), key_prefix=secret[:shown],
            secret_hash=hash_secret(secret), revoke_time=None, create_time=now, update_time=now))
        return created, secret

    async def revoke(self, tenant: str, key_id: str) -> ApiKey:
        """Revoke a key: it can no longer get tokens, and the tokens it got stop verifying.

        Raises:
            NotFound: No such key.
            FailedPrecondition: It is already revoked.
        """
        current = await self._keys.get(tenant, key_id)
        if current.revoke_time is not None:
            raise FailedPrecondition(f"API key {key_id!r} is already revoked",
                                     reason="API_KEY_ALREADY_REVOKED")
        return await self._keys.update(
            dataclasses.replace(current, revoke_time=self._clock()), current.etag)

    async def authenticate(self, secret: str) -> ApiKey:
        """The live key whose secret this is.

        Raises:
            Unauthenticated: No key has this secret (API_KEY_INVALID), or it is revoked
                (API_KEY_REVOKED) or expired (API_KEY_EXPIRED).
        """
        key = await self._keys.find_by_secret_hash(hash_secret(secret)) \
            if is_well_formed(secret) else None
        if key is None:
            raise Unauthenticated("invalid API key", reason=API_KEY_INVALID)
        self.check_usable(key)
        return key

    def check_usable(self, key: ApiKey) -> None:
        """Raises:
        Unauthenticated: ``key`` is revoked or expired.
        """
        if key.revoke_time is not None:
            raise Unauthenticated("the API key was revoked", reason=API_KEY_REVOKED)
        if key.expire_time is not None and key.expire_time <= self._clock():
            raise Unauthenticated("the API key expired", reason=API_KEY_EXPIRED)
