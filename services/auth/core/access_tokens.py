"""Access tokens: JWTs signed with the active Ed25519 key (``TokenSigner``) and checked by
``TokenVerifier``.

A token's header names its key (``kid``, ``alg`` EdDSA); its claims are ``iss``, ``sub``
(``tenants/{t}/users/{u}`` or ``tenants/{t}/apiKeys/{k}``), ``tenant`` (the id of the tenant
the token acts in: the subject's own, or any for a subject of the platform tenant), ``scope``
(space-separated), ``iat``, ``nbf``, ``exp`` and ``jti``.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import secrets
from collections.abc import Iterable
from typing import Any, Protocol

import jwt

from services.auth.core.clock import Clock, system_clock
from services.auth.core.models import Principal
from services.auth.core.scopes import format_scope, parse_scope
from services.auth.core.signing_keys import ALGORITHM, SigningKeys
from shared.errors import Unauthenticated

LEEWAY = dt.timedelta(seconds=30)
_CLAIMS = ("iss", "sub", "tenant", "scope", "iat", "nbf", "exp", "jti")

TOKEN_INVALID = "TOKEN_INVALID"
TOKEN_EXPIRED = "TOKEN_EXPIRED"
TOKEN_REVOKED = "TOKEN_REVOKED"
KEY_UNKNOWN = "KEY_UNKNOWN"


def _invalid(why: str) -> Unauthenticated:
    return Unauthenticated(f"invalid access token: {why}", reason=TOKEN_INVALID)


def tenant_of(subject: str) -> str:
    """``tenants/acme/users/ada`` -> ``acme`` (empty when ``subject`` is not of that form)."""
    parts = subject.split("/")
    return parts[1] if len(parts) == 4 and parts[0] == "tenants" and all(parts) else ""


def looks_like_jwt(token: str) -> bool:
    """Whether ``token`` has the three dot-separated parts of a compact JWS."""
    return token.count(".") == 2


@dataclasses.dataclass(frozen=True)
class SignedToken:
    """A freshly signed access token, its id, issue time and expiry (whole seconds)."""

    token: str = dataclasses.field(repr=False)
    token_id: str
    issue_time: dt.datetime
    expire_time: dt.datetime

    @property
    def expires_in(self) -> dt.timedelta:
        return self.expire_time - self.issue_time


class TokenSigner:
    """Signs access tokens with the active key.

    Args:
        keys: The signing keys.
        issuer: The ``iss`` claim (``cognitionos``).
        ttl: How long a token lives.
        clock: The current time.
    """

    def __init__(self, keys: SigningKeys, issuer: str, ttl: dt.timedelta,
                 clock: Clock = system_clock) -> None:
        self._keys = keys
        self._issuer = issuer
        self._ttl = ttl
        self._clock = clock

    @property
    def ttl(self) -> dt.timedelta:
        return self._ttl

    def sign(self, subject: str, tenant: str, scopes: Iterable[str],
             not_after: dt.datetime | None = None) -> SignedToken:
        """A token for ``subject`` in ``tenant`` with ``scopes``, expiring after the TTL or at
        ``not_after`` (an API key's expiry), whichever comes first.

        Raises:
            Unavailable: There is no active signing key.
        """
        key = self._keys.active()
        issued = int(self._clock().timestamp())
        expires = issued + int(self._ttl.total_seconds())
        if not_after is not None:
            expires = min(expires, int(not_after.timestamp()))
        token_id = secrets.token_urlsafe(16)
        claims = {
            "iss": self._issuer, "sub": subject, "tenant": tenant, "scope": format_scope(scopes),
            "iat": issued, "nbf": issued, "exp": expires, "jti": token_id,
        }
        token = jwt.encode(claims, key.private_key, algorithm=ALGORITHM,
                           headers={"kid": key.kid})
        return SignedToken(token, token_id, dt.datetime.fromtimestamp(issued, dt.UTC),
                           dt.datetime.fromtimestamp(expires, dt.UTC))


class RevocationList(Protocol):
    """Ids (``jti``) of access tokens revoked before they expire."""

    async def is_revoked(self, token_id: str) -> bool: ...


class SubjectCheck(Protocol):
    """Whether a token's principal may still act (a deleted user, a revoked key may not)."""

    async def check(self, tenant: str, subject: str) -> None:
        """Raises:
        Unauthenticated: The principal is gone, disabled or revoked (TOKEN_REVOKED).
        FailedPrecondition: The tenant is suspended.
        """
        ...


class TokenVerifier:
    """Checks access tokens: signature by a key still in its window, issuer, not-before and
    expiry (with ``leeway`` for clock skew), then revocation.

    Every failure is :class:`shared.errors.Unauthenticated` with a reason: TOKEN_INVALID
    (malformed, tampered, wrong issuer, not yet valid), TOKEN_EXPIRED, TOKEN_REVOKED, or
    KEY_UNKNOWN (signed by a key that is unknown or past its window).

    Args:
        keys: The signing keys.
        revocations: Revoked token ids.
        issuer: The expected ``iss``.
        clock: The current time.
        leeway: Allowed clock skew for ``exp`` and ``nbf``.
        subjects: Checks that the principal may still act; None skips that check.
        platform_tenant: The tenant whose subjects may act in another tenant; empty for none.
    """

    def __init__(self, keys: SigningKeys, revocations: RevocationList, issuer: str,
                 clock: Clock = system_clock, leeway: dt.timedelta = LEEWAY,
                 subjects: SubjectCheck | None = None, platform_tenant: str = "") -> None:
        self._keys = keys
        self._revocations = revocations
        self._issuer = issuer
        self._clock = clock
        self._leeway = leeway
        self._subjects = subjects
        self._platform_tenant = platform_tenant

    async def verify(self, token: str) -> Principal:
        """The principal ``token`` speaks for.

        Raises:
            Unauthenticated: The token is not acceptable (see the class for the reasons).
            FailedPrecondition: Its tenant is suspended.
        """
        principal = self.decode(token)
        if await self._revocations.is_revoked(principal.token_id):
            raise Unauthenticated("the access token was revoked", reason=TOKEN_REVOKED)
        if self._subjects is not None:
            await self._subjects.check(principal.tenant, principal.subject)
        return principal

    def decode(self, token: str, check_time: bool = True) -> Principal:
        """Check everything but revocation (and, without ``check_time``, nbf and exp).

        Raises:
            Unauthenticated: TOKEN_INVALID, TOKEN_EXPIRED or KEY_UNKNOWN.
        """
        try:
            header = jwt.get_unverified_header(token)
        except jwt.PyJWTError:
            raise _invalid("malformed") from None
        kid = header.get("kid")
        if header.get("alg") != ALGORITHM or not isinstance(kid, str) or not kid:
            raise _invalid("unsupported header")
        key = self._keys.verification_key(kid)
        if key is None:
            raise Unauthenticated("the access token's signing key is unknown or retired",
                                  reason=KEY_UNKNOWN, metadata={"kid": kid[:64]})
        try:
            claims = jwt.decode(token, key.public_key, algorithms=[ALGORITHM],
                                issuer=self._issuer, options={
                                    "require": list(_CLAIMS), "verify_exp": False,
                                    "verify_nbf": False, "verify_iat": False})
        except jwt.InvalidIssuerError:
            raise _invalid("wrong issuer") from None
        except jwt.PyJWTError:
            raise _invalid("bad signature or claims") from None
        principal = self._principal(claims)
        if check_time:
            self._check_time(claims)
        return principal

    def _principal(self, claims: dict[str, Any]) -> Principal:
        subject, tenant, scope, jti, exp = (claims["sub"], claims["tenant"], claims["scope"],
                                            claims["jti"], claims["exp"])
        if not all(isinstance(v, str) for v in (subject, tenant, scope, jti)):
            raise _invalid("claims of the wrong type")
        if not all(_is_number(claims[c]) for c in ("iat", "nbf", "exp")):
            raise _invalid("claims of the wrong type")
        home = tenant_of(subject)
        if not tenant or not home or (home != tenant and home != self._platform_tenant):
            raise _invalid("subject and tenant disagree")
        return Principal(subject=subject, tenant=tenant, scopes=parse_scope(scope),
                         expire_time=dt.datetime.fromtimestamp(exp, dt.UTC), token_id=jti)

    def _check_time(self, claims: dict[str, Any]) -> None:
        now = self._clock().timestamp()
        leeway = self._leeway.total_seconds()
        if now >= claims["exp"] + leeway:
            raise Unauthenticated("the access token expired", reason=TOKEN_EXPIRED)
        if now < claims["nbf"] - leeway:
            raise _invalid("not valid yet")


def _is_number(value: object) -> bool:
    return isinstance(value, int | float) and not isinstance(value, bool)
