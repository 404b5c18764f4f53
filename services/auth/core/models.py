"""Domain models of the auth service."""

from __future__ import annotations

import dataclasses
import datetime as dt
import enum

from shared.resources.entity import Entity


class Role(enum.StrEnum):
    """A set of permissions granted to a user."""

    ADMIN = "ADMIN"
    OPERATOR = "OPERATOR"
    DEVELOPER = "DEVELOPER"
    VIEWER = "VIEWER"
    AGENT = "AGENT"


class UserState(enum.StrEnum):
    """Whether a user may sign in."""

    ACTIVE = "ACTIVE"
    DISABLED = "DISABLED"


class TenantState(enum.StrEnum):
    """Lifecycle of a tenant."""

    ACTIVE = "ACTIVE"
    SUSPENDED = "SUSPENDED"


@dataclasses.dataclass(frozen=True, kw_only=True)
class User(Entity):
    """A person or program that signs in to a tenant and acts with its roles' permissions.

    ``password_hash`` is the argon2 hash of the password, None when the user cannot sign in
    with one; it is kept out of ``repr`` so it never reaches a log.
    """

    display_name: str
    email: str
    roles: list[Role] = dataclasses.field(default_factory=list)
    state: UserState = UserState.ACTIVE
    password_hash: str | None = dataclasses.field(default=None, repr=False)


@dataclasses.dataclass(frozen=True, kw_only=True)
class Tenant(Entity):
    """An isolated customer of the mesh. Its ``tenant`` is its own ``id``."""

    display_name: str
    state: TenantState = TenantState.ACTIVE


@dataclasses.dataclass(frozen=True, kw_only=True)
class ApiKey(Entity):
    """A long-lived secret a program exchanges for access tokens.

    Only ``secret_hash`` (SHA-256 of the secret, hex) is stored; the secret itself is shown once,
    when the key is created. ``key_prefix`` (the secret's first characters) tells keys apart.
    """

    display_name: str
    scopes: list[str] = dataclasses.field(default_factory=list)
    key_prefix: str = ""
    secret_hash: str = dataclasses.field(default="", repr=False)
    expire_time: dt.datetime | None = None
    revoke_time: dt.datetime | None = None


@dataclasses.dataclass(frozen=True)
class Principal:
    """Who a verified access token speaks for.

    Attributes:
        subject: ``tenants/{t}/users/{u}`` or ``tenants/{t}/apiKeys/{k}``.
        tenant: Id of the tenant the principal acts in.
        scopes: What the token may do (``goals.read``, …).
        expire_time: When the token expires.
        token_id: The token's ``jti``.
    """

    subject: str
    tenant: str
    scopes: frozenset[str]
    expire_time: dt.datetime
    token_id: str = ""

    def has_scope(self, scope: str) -> bool:
        """Whether the token grants ``scope``."""
        return scope in self.scopes


@dataclasses.dataclass(frozen=True)
class TokenPair:
    """What a sign-in or a refresh returns: an access token and the refresh token for the next.

    Both are secrets, kept out of ``repr``.
    """

    access_token: str = dataclasses.field(repr=False)
    refresh_token: str = dataclasses.field(repr=False)
    expires_in: dt.timedelta


@dataclasses.dataclass(frozen=True, kw_only=True)
class RefreshToken:
    """A stored refresh token: only its hash, and what a refresh may issue.

    Every sign-in starts a *family*; each refresh marks the presented token used and adds the
    next one to the family. Presenting a used token again means it was copied: the whole family
    is revoked. ``access_token_id``/``access_expire_time`` name the access token issued with
    it, so revoking the family revokes that too.
    """

    id: str
    tenant: str
    family: str
    subject: str
    scopes: list[str]
    token_hash: str = dataclasses.field(repr=False)
    create_time: dt.datetime
    expire_time: dt.datetime
    access_token_id: str
    access_expire_time: dt.datetime
    used_time: dt.datetime | None = None
    revoke_time: dt.datetime | None = None
