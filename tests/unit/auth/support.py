"""Helpers of the auth service's unit tests."""

from __future__ import annotations

import datetime as dt

import argon2

from services.auth.core.models import Role, User
from services.auth.server import AuthDomain

# Cheap parameters: the tests check behaviour, not argon2's cost.
HASHER = argon2.PasswordHasher(time_cost=1, memory_cost=8, parallelism=1)
PASSWORD = "correct horse battery staple"


class FakeClock:
    """A clock that stands still until moved."""

    def __init__(self, now: dt.datetime) -> None:
        self.now = now

    def __call__(self) -> dt.datetime:
        return self.now

    def advance(self, **delta: float) -> None:
        self.now += dt.timedelta(**delta)


async def add_user(domain: AuthDomain, user_id: str = "ada", roles: tuple[Role, ...] = (
        Role.DEVELOPER,), tenant: str = "acme") -> User:
    """A user ``<id>@example.com`` with PASSWORD."""
    return await domain.users.create(User(tenant=tenant, id=user_id, display_name=user_id.title(),
                                          email=f"{user_id}@example.com", roles=list(roles)),
                                     PASSWORD)
