"""Who is calling: every server verifies its caller's credential itself, whoever forwarded it.

A call carries one credential in ``authorization: Bearer …``:

- an **access token** auth issued to a user or API key (a JWT signed with EdDSA), verified
  against the public keys auth publishes (:class:`PublicKeys`); or
- a **service credential**, which a service of the mesh mints for its own calls (a short-lived
  JWT signed with HMAC-SHA256 under a key derived from the mesh secret): it names the service
  (``services/task-planner``), the tenant it acts in (none: the mesh's own cross-tenant work),
  its scopes, and the principal it acts for, if any (``on_behalf_of``: a built-in agent).

Headers such as ``x-cognos-tenant`` are never trusted: identity comes from the credential only.
Verified credentials are remembered until they expire, so a caller pays for the signature
check once, not on every call.
"""

from __future__ import annotations

import asyncio
import dataclasses
import time
from collections import OrderedDict
from collections.abc import Awaitable, Callable, Iterable, Mapping
from typing import Any, Protocol

import jwt
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey

from shared.context import SERVICE_PREFIX
from shared.errors import CognitionError, Unauthenticated, Unavailable
from shared.mesh.keys import MeshKeys

MESH_ISSUER = "cognitionos-mesh"
SERVICE_CREDENTIALS = "service-credentials"  # the purpose of the mesh key that signs them
LEEWAY_SECONDS = 30
_ACCESS_CLAIMS = ["iss", "sub", "tenant", "scope", "exp", "iat"]
_SERVICE_CLAIMS = ["iss", "sub", "exp", "iat"]


@dataclasses.dataclass(frozen=True)
class Caller:
    """A verified caller.

    Attributes:
        subject: ``tenants/acme/users/ada``, ``tenants/acme/apiKeys/k1`` or ``services/<name>``.
        tenant: The tenant the credential acts in (empty: a service's cross-tenant work).
        scopes: What the caller may do.
        on_behalf_of: For a service, the principal it acts for (empty when for itself).
        token: An access token, kept to forward it and to check it was not revoked; empty for
            a service credential.
        expires: When the credential expires (seconds since the epoch).
    """

    subject: str
    tenant: str
    scopes: frozenset[str]
    on_behalf_of: str = ""
    token: str = dataclasses.field(default="", repr=False)
    expires: float = 0.0

    @property
    def is_service(self) -> bool:
        """Whether a service of the mesh is calling (with a service credential)."""
        return not self.token and self.subject.startswith(SERVICE_PREFIX)


class PublicKeys(Protocol):
    """The public keys access tokens are signed with, by key id."""

    async def get(self, kid: str) -> Ed25519PublicKey | None:
        """The key ``kid`` while it verifies tokens; None once it is unknown or retired."""
        ...


class ServiceCredentials:
    """Mints the credentials of one service's own calls.

    Args:
        service: The service's name (``task-planner``).
        key: The mesh key of purpose :data:`SERVICE_CREDENTIALS`.
        ttl: Seconds a credential lives; one is reused until a fifth of its life is left.
    """

    def __init__(self, service: str, key: bytes, ttl: float = 300.0) -> None:
        self.subject = f"{SERVICE_PREFIX}{service}"
        self._key = key
        self._ttl = ttl
        self._minted: dict[tuple[str, frozenset[str], str], tuple[str, float]] = {}

    def mint(self, tenant: str, scopes: Iterable[str], on_behalf_of: str = "") -> str:
        """A credential of this service acting in ``tenant`` with ``scopes``."""
        key = (tenant, frozenset(scopes), on_behalf_of)
        now = time.time()
        minted = self._minted.get(key)
        if minted is not None and minted[1] - now > self._ttl / 5:
            return minted[0]
        expires = now + self._ttl
        claims = {"iss": MESH_ISSUER, "sub": self.subject, "tenant": tenant,
                  "scope": " ".join(sorted(key[1])), "iat": int(now), "exp": int(expires)}
        if on_behalf_of and on_behalf_of != self.subject:
            claims["obo"] = on_behalf_of
        token = jwt.encode(claims, self._key, algorithm="HS256")
        if len(self._minted) > 4096:
            self._minted.clear()
        self._minted[key] = (token, expires)
        return token


def mesh_call_credential(keys: MeshKeys, service: str, scopes: Iterable[str],
                         tenant: str = "") -> str:
    """A credential of ``service`` for a tool of the mesh's operators (a benchmark) that
    calls a service's port directly, as the mesh's own services do."""
    return ServiceCredentials(service, keys.key(SERVICE_CREDENTIALS)).mint(tenant, scopes)


class CallerVerifier:
    """Verifies credentials, remembering each verified one until it expires.

    Args:
        service_key: The mesh key of purpose :data:`SERVICE_CREDENTIALS`.
        public_keys: Auth's token signing keys.
        issuer: The ``iss`` of access tokens.
        max_entries: Most verified credentials remembered at once.
    """

    def __init__(self, service_key: bytes, public_keys: PublicKeys, issuer: str,
                 max_entries: int = 10_000) -> None:
        self._service_key = service_key
        self._public_keys = public_keys
        self._issuer = issuer
        self._max_entries = max_entries
        self._verified: OrderedDict[str, Caller] = OrderedDict()

    async def verify(self, token: str) -> Caller:
        """The caller ``token`` proves.

        Raises:
            Unauthenticated: The token is malformed, forged, expired or of an unknown key.
        """
        known = self._verified.get(token)
        if known is not None and known.expires > time.time():
            return known
        caller = await self._verify(token)
        self._verified[token] = caller
        if len(self._verified) > self._max_entries:
            self._verified.popitem(last=False)
        return caller

    async def _verify(self, token: str) -> Caller:
        try:
            header = jwt.get_unverified_header(token)
            if header.get("alg") == "HS256":
                return self._service_caller(token)
            if header.get("alg") == "EdDSA":
                return await self._access_token_caller(token, str(header.get("kid", "")))
        except jwt.ExpiredSignatureError as error:
            raise Unauthenticated("the credential has expired",
                                  reason="TOKEN_EXPIRED") from error
        except jwt.PyJWTError as error:
            raise Unauthenticated(f"invalid credential: {error}", reason="TOKEN_INVALID") from error
        raise Unauthenticated("invalid credential: unsupported signing algorithm",
                              reason="TOKEN_INVALID")

    def _service_caller(self, token: str) -> Caller:
        claims = _decode(token, self._service_key, "HS256", MESH_ISSUER, _SERVICE_CLAIMS)
        subject = str(claims["sub"])
        if not subject.startswith(SERVICE_PREFIX):
            raise jwt.InvalidTokenError("a service credential names a service")
        return Caller(subject=subject, tenant=str(claims.get("tenant", "")),
                      scopes=frozenset(str(claims.get("scope", "")).split()),
                      on_behalf_of=str(claims.get("obo", "")), expires=float(claims["exp"]))

    async def _access_token_caller(self, token: str, kid: str) -> Caller:
        key = await self._public_keys.get(kid) if kid else None
        if key is None:
            raise Unauthenticated("invalid credential: signed with an unknown or retired key",
                                  reason="KEY_UNKNOWN")
        claims = _decode(token, key, "EdDSA", self._issuer, _ACCESS_CLAIMS)
        subject = str(claims["sub"])
        if subject.startswith(SERVICE_PREFIX):
            raise jwt.InvalidTokenError("an access token names a user or an API key")
        return Caller(subject=subject, tenant=str(claims["tenant"]),
                      scopes=frozenset(str(claims["scope"]).split()), token=token,
                      expires=float(claims["exp"]))


def _decode(token: str, key: Any, algorithm: str, issuer: str,
            required: list[str]) -> dict[str, Any]:
    claims: dict[str, Any] = jwt.decode(token, key, algorithms=[algorithm], issuer=issuer,
                                        leeway=LEEWAY_SECONDS, options={"require": required})
    return claims


class JwksKeys:
    """Auth's public keys, fetched with ``fetch`` and refreshed every ``ttl`` seconds (at
    once for a key id not seen yet, at most every ``min_interval`` seconds). When a refresh
    fails the keys fetched last keep verifying, as Envoy's do, and a key id never seen is
    UNAVAILABLE (ask again), not UNAUTHENTICATED.

    Args:
        fetch: Returns the published keys as ``{kid: key}``.
        ttl: Seconds fetched keys are trusted; a retired key stops verifying within it.
        min_interval: Least seconds between two fetches for unknown key ids.
    """

    def __init__(self, fetch: Callable[[], Awaitable[Mapping[str, Ed25519PublicKey]]],
                 ttl: float = 5.0, min_interval: float = 1.0) -> None:
        self._fetch = fetch
        self._ttl = ttl
        self._min_interval = min_interval
        self._keys: dict[str, Ed25519PublicKey] = {}
        self._fetched = float("-inf")
        self._refreshing: asyncio.Future[None] | None = None

    async def get(self, kid: str) -> Ed25519PublicKey | None:
        age = time.monotonic() - self._fetched
        if age > self._ttl or (kid not in self._keys and age > self._min_interval):
            try:
                await self._refresh()
            except CognitionError as error:
                if kid not in self._keys:
                    raise Unavailable("cannot fetch the token signing keys from auth",
                                      reason="KEYS_UNAVAILABLE") from error
        return self._keys.get(kid)

    async def _refresh(self) -> None:
        if self._refreshing is None:
            self._refreshing = asyncio.ensure_future(self._fetch_keys())
        refreshing = self._refreshing
        try:
            await asyncio.shield(refreshing)
        finally:
            if self._refreshing is refreshing and refreshing.done():
                self._refreshing = None

    async def _fetch_keys(self) -> None:
        self._keys = dict(await self._fetch())
        self._fetched = time.monotonic()
