"""``Principals``: who may hold tokens, and with which scopes, right now.

A principal is a user (``tenants/{t}/users/{u}``), whose scopes come from its roles, or an API
key (``tenants/{t}/apiKeys/{k}``), whose scopes are its own. Sign-ins, refreshes and token
verification all ask here, so disabling a user, revoking a key or suspending a tenant takes
effect on tokens already issued too.

A principal acts in its own tenant, except the principals of the platform tenant (the
operators of the mesh), which may act in any tenant that exists: their tokens then name that
tenant while the subject stays theirs.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
from typing import Protocol

from services.auth.core.access_tokens import TOKEN_REVOKED
from services.auth.core.api_keys import ApiKeyService
from services.auth.core.missing_tenant import tenant_not_found
from services.auth.core.models import ApiKey, Tenant, TenantState, User, UserState
from services.auth.core.scopes import scopes_for_roles
from shared.errors import FailedPrecondition, NotFound, PermissionDenied, Unauthenticated
from shared.resources import names

USERS = "users"
API_KEYS = "apiKeys"
TENANT_SUSPENDED = "TENANT_SUSPENDED"
USER_DISABLED = "USER_DISABLED"
PRINCIPAL_NOT_FOUND = "PRINCIPAL_NOT_FOUND"
OTHER_TENANT_DENIED = "OTHER_TENANT_DENIED"


class UserLookup(Protocol):
    """What ``Principals`` needs of the users repository."""

    async def get(self, tenant: str, id_: str) -> User: ...


class TenantLookup(Protocol):
    """What ``Principals`` needs of the tenants repository."""

    async def get(self, tenant: str, id_: str) -> Tenant: ...


@dataclasses.dataclass(frozen=True)
class Grant:
    """What a principal may be issued now.

    Attributes:
        subject: The principal's resource name.
        tenant: Id of the tenant it acts in: its own, or any for a platform principal.
        scopes: Every scope it holds.
        not_after: Tokens must not outlive this (an API key's expiry); None for no bound.
    """

    subject: str
    tenant: str
    scopes: frozenset[str]
    not_after: dt.datetime | None = None


def _split(subject: str) -> tuple[str, str, str]:
    parts = subject.split("/")
    if len(parts) != 4 or parts[0] != "tenants" or not all(parts):
        return "", "", ""
    return parts[1], parts[2], parts[3]


class Principals:
    """Resolves principals to what they may be issued.

    Args:
        users: Users repository.
        api_keys: The API key service (which knows when a key is usable).
        tenants: Tenants repository.
        platform_tenant: The tenant whose principals may act in any tenant; empty for none.
    """

    def __init__(self, users: UserLookup, api_keys: ApiKeyService, tenants: TenantLookup,
                 platform_tenant: str = "") -> None:
        self._users = users
        self._api_keys = api_keys
        self._tenants = tenants
        self._platform_tenant = platform_tenant

    def is_platform(self, tenant: str) -> bool:
        """Whether ``tenant`` is the platform tenant."""
        return bool(self._platform_tenant) and tenant == self._platform_tenant

    async def check_tenant(self, tenant: str) -> None:
        """Raises:
        NotFound: The tenant does not exist (TENANT_NOT_FOUND).
        FailedPrecondition: The tenant is suspended (TENANT_SUSPENDED).
        """
        try:
            record = await self._tenants.get(tenant, tenant)
        except NotFound:
            raise tenant_not_found(tenant) from None
        if record.state == TenantState.SUSPENDED:
            raise FailedPrecondition(f"tenant {tenant!r} is suspended", reason=TENANT_SUSPENDED)

    async def for_user(self, user: User) -> Grant:
        """The grant of a user who has proved who they are.

        Raises:
            FailedPrecondition: The user is disabled (USER_DISABLED) or the tenant suspended.
            NotFound: The tenant does not exist.
        """
        if user.state == UserState.DISABLED:
            raise FailedPrecondition("the user is disabled", reason=USER_DISABLED)
        await self.check_tenant(user.tenant)
        return Grant(names.format_name(user.tenant, USERS, user.id), user.tenant,
                     scopes_for_roles(user.roles))

    async def for_api_key(self, key: ApiKey) -> Grant:
        """The grant of a usable API key.

        Raises:
            Unauthenticated: The key is revoked or expired.
            FailedPrecondition: The tenant is suspended.
            NotFound: The tenant does not exist.
        """
        self._api_keys.check_usable(key)
        await self.check_tenant(key.tenant)
        return Grant(names.format_name(key.tenant, API_KEYS, key.id), key.tenant,
                     frozenset(key.scopes), key.expire_time)

    async def act_in(self, grant: Grant, tenant: str) -> Grant:
        """``grant`` acting in ``tenant`` (empty: its own).

        Raises:
            PermissionDenied: Only platform principals may act in another tenant
                (OTHER_TENANT_DENIED).
            NotFound: That tenant does not exist (TENANT_NOT_FOUND).
            FailedPrecondition: That tenant is suspended.
        """
        if not tenant or tenant == grant.tenant:
            return grant
        if not self.is_platform(grant.tenant):
            raise PermissionDenied("only platform principals may act in another tenant",
                                   reason=OTHER_TENANT_DENIED, metadata={"tenant": tenant})
        await self.check_tenant(tenant)
        return dataclasses.replace(grant, tenant=tenant)

    async def resolve(self, tenant: str, subject: str) -> Grant:
        """The current grant of the principal named ``subject``, acting in ``tenant``.

        Raises:
            Unauthenticated: It or a tenant no longer exists (PRINCIPAL_NOT_FOUND), is a
                revoked or expired key, or may not act in ``tenant``.
            FailedPrecondition: A disabled user, or a suspended tenant.
        """
        home, collection, id_ = _split(subject)
        if home and (home == tenant or self.is_platform(home)):
            try:
                if collection == USERS:
                    return await self.act_in(
                        await self.for_user(await self._users.get(home, id_)), tenant)
                if collection == API_KEYS:
                    return await self.act_in(
                        await self.for_api_key(await self._api_keys.get(home, id_)), tenant)
            except NotFound:
                pass
        raise Unauthenticated("the principal no longer exists", reason=PRINCIPAL_NOT_FOUND)

    async def check(self, tenant: str, subject: str) -> None:
        """Whether the holder of a verified token may still act (``SubjectCheck``).

        Raises:
            Unauthenticated: The principal was deleted, disabled or revoked (TOKEN_REVOKED).
            FailedPrecondition: The tenant is suspended.
        """
        try:
            await self.resolve(tenant, subject)
        except (Unauthenticated, FailedPrecondition) as error:
            if error.reason == TENANT_SUSPENDED:
                raise
            raise Unauthenticated("the access token's principal can no longer act",
                                  reason=TOKEN_REVOKED, metadata={"cause": error.reason}
                                  ) from None

