"""Domain models of the auth service."""

from __future__ import annotations

import dataclasses
import enum

from shared.database import Entity


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
