"""``TokenService``: sign-in (password or API key), refresh with rotation, and revocation.

A sign-in returns an access token (a short-lived JWT, see :mod:`access_tokens`) and an opaque
refresh token (``cogr_`` + 32 random bytes; only its SHA-256 is stored). Refresh tokens rotate:
each is single use, and presenting one a second time revokes its whole family.

A sign-in may narrow its tokens to some of the scopes its principal holds (asking for one it
does not hold is refused), and may name the tenant they act in (``acting_tenant``): only
platform principals may name another than their own (see :mod:`principals`). Refreshes keep
acting there, with the scopes of the sign-in that the principal still holds.
"""

from __future__ import annotations

import datetime as dt
import logging
import secrets
from collections.abc import Sequence
from typing import Protocol

from services.auth.core.access_tokens import (
    KEY_UNKNOWN,
    LEEWAY,
    TokenSigner,
    TokenVerifier,
    looks_like_jwt,
)
from services.auth.core.api_keys import ApiKeyService, hash_secret
from services.auth.core.clock import Clock, system_clock
from services.auth.core.login_throttle import LoginThrottle
from services.auth.core.models import RefreshToken, TokenPair, User
from services.auth.core.passwords import PasswordHashing
from services.auth.core.principals import Grant, Principals
from services.auth.core.scopes import format_scope, unknown_scopes
from shared.errors import FieldViolation, InvalidArgument, PermissionDenied, Unauthenticated

log = logging.getLogger(__name__)

REFRESH_PREFIX = "cogr_"
DEFAULT_REFRESH_TTL = dt.timedelta(days=7)

INVALID_CREDENTIALS = "INVALID_CREDENTIALS"
REFRESH_TOKEN_INVALID = "REFRESH_TOKEN_INVALID"
REFRESH_TOKEN_EXPIRED = "REFRESH_TOKEN_EXPIRED"
REFRESH_TOKEN_REVOKED = "REFRESH_TOKEN_REVOKED"
REFRESH_TOKEN_REUSED = "REFRESH_TOKEN_REUSED"
SCOPES_NOT_HELD = "SCOPES_NOT_HELD"


class UserByEmail(Protocol):
    """What sign-in needs of the users repository."""

    async def find_by_email(self, tenant: str, email: str) -> User | None: ...


class RefreshTokenStore(Protocol):
    """Stored refresh tokens (by hash) and their families."""

    async def add(self, token: RefreshToken, now: dt.datetime) -> None:
        """Store ``token``; may purge tokens long expired at ``now``."""
        ...

    async def find(self, token_hash: str) -> RefreshToken | None: ...

    async def mark_used(self, token_id: str, now: dt.datetime) -> bool:
        """Atomically mark an unused, unrevoked token used; False when it already was."""
        ...

    async def revoke_family(self, family: str, now: dt.datetime) -> None:
        """Revoke every token of ``family`` and the access tokens issued with them."""
        ...

    async def revoke_subject(self, tenant: str, subject: str, now: dt.datetime) -> None:
        """Revoke every family of ``subject`` (and their access tokens)."""
        ...


class RevokedTokenStore(Protocol):
    """Access tokens revoked before they expire, remembered until they do."""

    async def is_revoked(self, token_id: str) -> bool: ...

    async def revoke(self, token_id: str, tenant: str, subject: str, expire_time: dt.datetime,
                     now: dt.datetime) -> None:
        """Remember ``token_id`` as revoked until ``expire_time`` (idempotent)."""
        ...


def _requested(scopes: Sequence[str]) -> frozenset[str] | None:
    """The scopes a caller narrows its token to (None: all it holds).

    Raises:
        InvalidArgument: A scope is not a scope of the mesh.
    """
    violations = [FieldViolation(f"scopes[{i}]", f"unknown scope {name!r}")
                  for i, name in unknown_scopes(scopes)]
    if violations:
        raise InvalidArgument("invalid request: unknown scopes", violations)
    return frozenset(scopes) if scopes else None


def _held(grant: Grant, requested: frozenset[str] | None) -> frozenset[str]:
    """The scopes a sign-in's tokens carry: every one ``grant`` holds, or those requested.

    Raises:
        PermissionDenied: A requested scope is not held (SCOPES_NOT_HELD, naming them in the
            message and in ErrorInfo ``scopes``, space-separated).
    """
    if requested is None:
        return grant.scopes
    missing = format_scope(requested - grant.scopes)
    if missing:
        raise PermissionDenied(f"{grant.subject} does not hold the scopes {missing}",
                               reason=SCOPES_NOT_HELD, metadata={"scopes": missing})
    return requested


class TokenService:
    """Issues, refreshes and revokes tokens.

    Args:
        signer: Signs access tokens.
        verifier: Checks access tokens (for RevokeToken).
        principals: Who may hold tokens and with which scopes.
        users: Finds users by email.
        api_keys: Recognises API key secrets.
        passwords: Verifies passwords.
        throttle: Brute-force protection of password sign-ins.
        refresh_tokens: Stored refresh tokens.
        revoked: Revoked access tokens.
        refresh_ttl: How long a refresh token lives.
        clock: The current time.
    """

    def __init__(self, *, signer: TokenSigner, verifier: TokenVerifier, principals: Principals,
                 users: UserByEmail, api_keys: ApiKeyService, passwords: PasswordHashing,
                 throttle: LoginThrottle, refresh_tokens: RefreshTokenStore,
                 revoked: RevokedTokenStore, refresh_ttl: dt.timedelta = DEFAULT_REFRESH_TTL,
                 clock: Clock = system_clock) -> None:
        self._signer = signer
        self._verifier = verifier
        self._principals = principals
        self._users = users
        self._api_keys = api_keys
        self._passwords = passwords
        self._throttle = throttle
        self._refresh_tokens = refresh_tokens
        self._revoked = revoked
        self._refresh_ttl = refresh_ttl
        self._clock = clock

    async def sign_in_with_password(self, tenant: str, email: str, password: str,
                                    scopes: Sequence[str] = (), acting_tenant: str = ""
                                    ) -> TokenPair:
        """Tokens for the user of ``tenant`` with this email and password, acting in
        ``acting_tenant`` (empty: ``tenant``).

        Raises:
            InvalidArgument: A requested scope is unknown.
            ResourceExhausted: Too many recent failures for this email; even a right password
                is refused until the lockout ends.
            Unauthenticated: Wrong email or password (INVALID_CREDENTIALS; which one is not
                revealed).
            FailedPrecondition: The user is disabled or a tenant suspended.
            PermissionDenied: A user outside the platform tenant names another tenant, or a
                requested scope is not the user's (SCOPES_NOT_HELD).
            NotFound: ``acting_tenant`` does not exist.
        """
        requested = _requested(scopes)
        email = email.lower()
        await self._throttle.check(tenant, email)
        user = await self._users.find_by_email(tenant, email)
        matches = await self._passwords.verify(user.password_hash if user else None, password)
        if user is None or not matches:
            await self._throttle.failed(tenant, email)
            raise Unauthenticated("wrong email or password", reason=INVALID_CREDENTIALS)
        await self._throttle.succeeded(tenant, email)
        grant = await self._principals.act_in(await self._principals.for_user(user),
                                              acting_tenant)
        return await self._issue(grant, _held(grant, requested))

    async def sign_in_with_api_key(self, secret: str, scopes: Sequence[str] = (),
                                   acting_tenant: str = "") -> TokenPair:
        """Tokens for the API key with this secret, acting in ``acting_tenant`` (empty: the
        key's own).

        Raises:
            InvalidArgument: A requested scope is unknown.
            Unauthenticated: No such key (API_KEY_INVALID), or it is revoked (API_KEY_REVOKED)
                or expired (API_KEY_EXPIRED).
            FailedPrecondition: A tenant is suspended.
            PermissionDenied: A key outside the platform tenant names another tenant, or a
                requested scope is not the key's (SCOPES_NOT_HELD).
            NotFound: ``acting_tenant`` does not exist.
        """
        requested = _requested(scopes)
        key = await self._api_keys.authenticate(secret)
        grant = await self._principals.act_in(await self._principals.for_api_key(key),
                                              acting_tenant)
        return await self._issue(grant, _held(grant, requested))

    async def refresh(self, refresh_token: str) -> TokenPair:
        """A new token pair for a refresh token, which stops working.

        Raises:
            Unauthenticated: The token is unknown (REFRESH_TOKEN_INVALID), revoked
                (REFRESH_TOKEN_REVOKED), expired (REFRESH_TOKEN_EXPIRED) or was already used
                (REFRESH_TOKEN_REUSED, and its family is now revoked); or its principal can
                no longer get tokens.
            FailedPrecondition: The user was disabled or the tenant suspended since.
        """
        stored = None
        if refresh_token.startswith(REFRESH_PREFIX):
            stored = await self._refresh_tokens.find(hash_secret(refresh_token))
        if stored is None:
            raise Unauthenticated("unknown refresh token", reason=REFRESH_TOKEN_INVALID)
        now = self._clock()
        if stored.revoke_time is not None:
            raise Unauthenticated("the refresh token was revoked", reason=REFRESH_TOKEN_REVOKED)
        if stored.used_time is not None or not await self._refresh_tokens.mark_used(stored.id,
                                                                                    now):
            # A used token came back: someone holds a copy. Cut off everyone in the family.
            await self._refresh_tokens.revoke_family(stored.family, now)
            log.warning("refresh token reused; revoked family %s of %s", stored.family,
                        stored.subject)
            raise Unauthenticated("the refresh token was already used; its sign-in is revoked",
                                  reason=REFRESH_TOKEN_REUSED)
        if stored.expire_time <= now:
            raise Unauthenticated("the refresh token expired", reason=REFRESH_TOKEN_EXPIRED)
        grant = await self._principals.resolve(stored.tenant, stored.subject)
        # The principal may have lost some of the scopes since: the new tokens carry the rest.
        return await self._issue(grant, grant.scopes & frozenset(stored.scopes), stored.family)

    async def revoke(self, token: str) -> None:
        """Revoke an access token (until it expires) or a refresh token (with its family).
        Unknown, expired or already revoked tokens are accepted silently.

        Raises:
            InvalidArgument: ``token`` is neither kind, or a JWT that is not ours.
        """
        now = self._clock()
        if token.startswith(REFRESH_PREFIX):
            stored = await self._refresh_tokens.find(hash_secret(token))
            if stored is not None:
                await self._refresh_tokens.revoke_family(stored.family, now)
            return
        if not looks_like_jwt(token):
            raise InvalidArgument.for_field("token", "is neither an access nor a refresh token")
        try:
            principal = self._verifier.decode(token, check_time=False)
        except Unauthenticated as error:
            if error.reason == KEY_UNKNOWN:
                return  # its key left the window: the token cannot verify any more anyway
            raise InvalidArgument.for_field("token", "is not a valid access token") from None
        # Verifiers accept a token until exp + leeway; remember it that long.
        until = principal.expire_time + LEEWAY
        if until > now:
            await self._revoked.revoke(principal.token_id, principal.tenant, principal.subject,
                                       until, now)

    async def revoke_subject(self, tenant: str, subject: str) -> None:
        """Revoke every refresh token family of a principal (e.g. a deleted user)."""
        await self._refresh_tokens.revoke_subject(tenant, subject, self._clock())

    async def _issue(self, grant: Grant, scopes: frozenset[str],
                     family: str | None = None) -> TokenPair:
        access = self._signer.sign(grant.subject, grant.tenant, scopes, grant.not_after)
        now = self._clock()
        expire = now + self._refresh_ttl
        if grant.not_after is not None:
            expire = min(expire, grant.not_after)
        secret = f"{REFRESH_PREFIX}{secrets.token_urlsafe(32)}"
        await self._refresh_tokens.add(RefreshToken(
            id=secrets.token_hex(16), tenant=grant.tenant, family=family or secrets.token_hex(16),
            subject=grant.subject, scopes=sorted(scopes), token_hash=hash_secret(secret),
            create_time=now, expire_time=expire, access_token_id=access.token_id,
            access_expire_time=access.expire_time + LEEWAY), now)
        return TokenPair(access.token, secret, access.expires_in)
