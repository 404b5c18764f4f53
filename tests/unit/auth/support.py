"""Helpers of the auth service's unit tests."""

from __future__ import annotations

import dataclasses
import datetime as dt

import argon2

from services.auth.core.models import Role, Tenant, TenantState, User
from services.auth.repository import tenant_repository
from services.auth.server import AuthDomain
from shared.database import DatabaseConnection

# Cheap parameters: the tests check behaviour, not argon2's cost.
HASHER = argon2.PasswordHasher(time_cost=1, memory_cost=8, parallelism=1)
PASSWORD = "correct horse battery staple"
# The tenants the tests' users and keys live in (users and keys need an existing tenant).
TENANTS = ("acme", "globex", "initech", "other", "system")


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


async def add_tenants(db: DatabaseConnection, *tenant_ids: str) -> None:
    """Active tenants with these ids."""
    tenants = tenant_repository(db)
    for tenant_id in tenant_ids:
        await tenants.create(Tenant(tenant=tenant_id, id=tenant_id, display_name=tenant_id))


async def suspend(db: DatabaseConnection, tenant_id: str) -> None:
    """Suspend an existing tenant."""
    tenants = tenant_repository(db)
    current = await tenants.get(tenant_id, tenant_id)
    await tenants.update(dataclasses.replace(current, state=TenantState.SUSPENDED))
