"""The auth service's tables and repositories; the only module of the service with SQL."""

from __future__ import annotations

from typing import Any

import sqlalchemy as sa
from sqlalchemy.exc import IntegrityError

from services.auth.core.models import Role, Tenant, TenantState, User, UserState
from shared.database import (
    DatabaseConnection,
    Page,
    PageRequest,
    Repository,
    entity_columns,
    enum_column,
)
from shared.errors import AlreadyExists

metadata = sa.MetaData()


class RoleList(sa.types.TypeDecorator[list[Role]]):
    """A user's roles as a JSON list of role names."""

    impl = sa.JSON
    cache_ok = True

    def process_bind_param(self, value: list[Role] | None, dialect: Any) -> list[str] | None:
        return None if value is None else [role.value for role in value]

    def process_result_value(self, value: list[str] | None, dialect: Any) -> list[Role] | None:
        return None if value is None else [Role(name) for name in value]


users = sa.Table(
    "users",
    metadata,
    *entity_columns(),
    sa.Column("display_name", sa.String(200), nullable=False),
    sa.Column("email", sa.String(320), nullable=False),
    sa.Column("roles", RoleList(), nullable=False),
    sa.Column("state", enum_column(UserState), nullable=False),
    sa.Column("password_hash", sa.String(256), nullable=True),
    sa.Index("users_by_tenant_time", "tenant", "create_time"),
    sa.Index("users_by_tenant_email", "tenant", "email", unique=True),
)

tenants = sa.Table(
    "tenants",
    metadata,
    *entity_columns(),
    sa.Column("display_name", sa.String(200), nullable=False),
    sa.Column("state", enum_column(TenantState), nullable=False),
    sa.Index("tenants_by_time", "create_time"),
)


def _email_taken(email: str) -> AlreadyExists:
    return AlreadyExists(f"a user with email {email!r} already exists",
                         reason="EMAIL_ALREADY_EXISTS", metadata={"email": email})


class UserRepository(Repository[User]):
    """Users, tenant-scoped; an email taken in the tenant is reported as such."""

    async def create(self, entity: User) -> User:
        """Insert a user.

        Raises:
            AlreadyExists: The id, or the email, is taken in the tenant.
        """
        try:
            return await super().create(entity)
        except AlreadyExists:
            c = self.table.c
            if await self.count(entity.tenant, [c.email == entity.email, c.id != entity.id]):
                raise _email_taken(entity.email) from None
            raise

    async def update(self, entity: User, expected_etag: str = "") -> User:
        """Replace a user.

        Raises:
            NotFound: No such user.
            Aborted: ``expected_etag`` no longer matches.
            AlreadyExists: The new email is taken in the tenant.
        """
        try:
            return await super().update(entity, expected_etag)
        except IntegrityError as error:
            # The key is unchanged, so the only unique index an update can break is the email's.
            raise _email_taken(entity.email) from error


class TenantRepository(Repository[Tenant]):
    """Tenants, each stored with ``tenant`` = ``id``; also listable across the mesh."""

    async def list_all(self, page: PageRequest) -> Page[Tenant]:
        """One page of every tenant, newest first."""
        return await self.fetch_page(self.newest_first(sa.select(self.table), page), page)


def user_repository(db: DatabaseConnection) -> UserRepository:
    """Users, tenant-scoped."""
    return UserRepository(db, users, User, "user")


def tenant_repository(db: DatabaseConnection) -> TenantRepository:
    """Tenants."""
    return TenantRepository(db, tenants, Tenant, "tenant")
