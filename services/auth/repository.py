"""The auth service's tables and repositories; the only module of the service with SQL."""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from typing import Any, TypeVar

import sqlalchemy as sa
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncConnection

from services.auth.core.missing_tenant import tenant_not_found
from services.auth.core.models import (
    ApiKey,
    RefreshToken,
    Role,
    Tenant,
    TenantState,
    User,
    UserState,
)
from shared.database import (
    DatabaseConnection,
    Entity,
    Page,
    PageRequest,
    Repository,
    UtcDateTime,
    entity_columns,
    enum_column,
)
from shared.database.filter_sql import filter_where
from shared.errors import AlreadyExists
from shared.resources.filters import MATCH_ALL, Filter

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

api_keys = sa.Table(
    "api_keys",
    metadata,
    *entity_columns(),
    sa.Column("display_name", sa.String(200), nullable=False),
    sa.Column("scopes", sa.JSON, nullable=False),
    sa.Column("key_prefix", sa.String(128), nullable=False),
    sa.Column("secret_hash", sa.String(64), nullable=False),
    sa.Column("expire_time", UtcDateTime(), nullable=True),
    sa.Column("revoke_time", UtcDateTime(), nullable=True),
    sa.Index("api_keys_by_tenant_time", "tenant", "create_time"),
    sa.Index("api_keys_by_secret_hash", "secret_hash", unique=True),
)

refresh_tokens = sa.Table(
    "refresh_tokens",
    metadata,
    sa.Column("id", sa.String(64), primary_key=True),
    sa.Column("tenant", sa.String(64), nullable=False),
    sa.Column("family", sa.String(64), nullable=False),
    sa.Column("subject", sa.String(256), nullable=False),
    sa.Column("scopes", sa.JSON, nullable=False),
    sa.Column("token_hash", sa.String(64), nullable=False),
    sa.Column("create_time", UtcDateTime(), nullable=False),
    sa.Column("expire_time", UtcDateTime(), nullable=False),
    sa.Column("access_token_id", sa.String(64), nullable=False),
    sa.Column("access_expire_time", UtcDateTime(), nullable=False),
    sa.Column("used_time", UtcDateTime(), nullable=True),
    sa.Column("revoke_time", UtcDateTime(), nullable=True),
    sa.Index("refresh_tokens_by_hash", "token_hash", unique=True),
    sa.Index("refresh_tokens_by_family", "family"),
    sa.Index("refresh_tokens_by_subject", "tenant", "subject"),
    sa.Index("refresh_tokens_by_expiry", "expire_time"),
)

revoked_tokens = sa.Table(
    "revoked_tokens",
    metadata,
    sa.Column("token_id", sa.String(64), primary_key=True),
    sa.Column("tenant", sa.String(64), nullable=False),
    sa.Column("subject", sa.String(256), nullable=False),
    sa.Column("expire_time", UtcDateTime(), nullable=False),
    sa.Column("revoke_time", UtcDateTime(), nullable=False),
    sa.Index("revoked_tokens_by_expiry", "expire_time"),
)

login_failures = sa.Table(
    "login_failures",
    metadata,
    sa.Column("tenant", sa.String(64), primary_key=True),
    sa.Column("email", sa.String(320), primary_key=True),
    sa.Column("failures", sa.Integer, nullable=False),
    sa.Column("window_start", UtcDateTime(), nullable=False),
    sa.Column("locked_until", UtcDateTime(), nullable=True),
    sa.Index("login_failures_by_window", "window_start"),
)


E = TypeVar("E", bound=Entity)


class _InExistingTenant(Repository[E]):
    """Resources of a tenant, created only in a tenant that exists."""

    async def create_in(self, conn: AsyncConnection, entity: E) -> E:
        """:meth:`Repository.create_in`, in an existing tenant only.

        Raises:
            NotFound: The tenant is not the caller's, or does not exist (TENANT_NOT_FOUND).
        """
        self.check_tenant(entity.tenant)  # another tenant's is not found, with nothing more said
        c = tenants.c
        found = (await conn.execute(sa.select(c.id).where(
            c.tenant == entity.tenant, c.id == entity.tenant))).first()
        if found is None:
            raise tenant_not_found(entity.tenant)
        return await super().create_in(conn, entity)


def _email_taken(email: str) -> AlreadyExists:
    return AlreadyExists(f"a user with email {email!r} already exists",
                         reason="EMAIL_ALREADY_EXISTS", metadata={"email": email})


class UserRepository(_InExistingTenant[User]):
    """Users, tenant-scoped; an email taken in the tenant is reported as such."""

    async def create(self, entity: User) -> User:
        """Insert a user.

        Raises:
            AlreadyExists: The id, or the email, is taken in the tenant.
            NotFound: The tenant does not exist.
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

    async def find_by_email(self, tenant: str, email: str) -> User | None:
        """The user of ``tenant`` with this (lower-case) email, if any."""
        c = self.table.c
        async with self.db.connect() as conn:
            row = (await conn.execute(sa.select(self.table).where(
                c.tenant == tenant, c.email == email))).mappings().first()
        return None if row is None else self._from_row(row)


class TenantRepository(Repository[Tenant]):
    """Tenants, each stored with ``tenant`` = ``id``; also listable across the mesh.

    Who may see which tenant is decided by the tenant service (platform operators see all).
    """

    cross_tenant = True

    async def list_all(self, page: PageRequest, matching: Filter = MATCH_ALL) -> Page[Tenant]:
        """One page of every tenant that ``matching`` selects, newest first."""
        query = sa.select(self.table).where(*filter_where(matching, self.table))
        return await self.fetch_page(self.newest_first(query, page), page)


class ApiKeyRepository(_InExistingTenant[ApiKey]):
    """API keys, tenant-scoped, created only in an existing tenant; found across tenants only
    by the hash of their secret."""

    async def find_by_secret_hash(self, secret_hash: str) -> ApiKey | None:
        """The key whose secret hashes to ``secret_hash``, whatever its tenant (the secret
        itself is the proof of access)."""
        async with self.db.connect() as conn:
            row = (await conn.execute(sa.select(self.table).where(
                self.table.c.secret_hash == secret_hash))).mappings().first()
        return None if row is None else self._from_row(row)


def _insert_ignoring_duplicates(db: DatabaseConnection, table: sa.Table,
                                rows: Sequence[dict[str, Any]]) -> sa.Executable:
    if db.is_postgresql:
        return postgresql.insert(table).values(list(rows)).on_conflict_do_nothing()
    return sqlite.insert(table).values(list(rows)).on_conflict_do_nothing()


# Refresh tokens are kept a while after they expire, so a late reuse is still recognised.
_REFRESH_RETENTION = dt.timedelta(days=1)


class RefreshTokenRepository:
    """Refresh tokens, found by hash, revoked by family or subject."""

    def __init__(self, db: DatabaseConnection) -> None:
        self.db = db

    async def add(self, token: RefreshToken, now: dt.datetime) -> None:
        """Store ``token``, purging tokens expired for more than a day."""
        c = refresh_tokens.c
        async with self.db.transaction() as conn:
            await conn.execute(sa.delete(refresh_tokens).where(
                c.expire_time < now - _REFRESH_RETENTION))
            await conn.execute(sa.insert(refresh_tokens).values(
                {column.name: getattr(token, column.name) for column in refresh_tokens.c}))

    async def find(self, token_hash: str) -> RefreshToken | None:
        async with self.db.connect() as conn:
            row = (await conn.execute(sa.select(refresh_tokens).where(
                refresh_tokens.c.token_hash == token_hash))).mappings().first()
        return None if row is None else RefreshToken(**dict(row))

    async def mark_used(self, token_id: str, now: dt.datetime) -> bool:
        """Mark a token used; False when it was used or revoked already (a concurrent refresh
        of the same token loses here)."""
        c = refresh_tokens.c
        async with self.db.transaction() as conn:
            result = await conn.execute(sa.update(refresh_tokens).where(
                c.id == token_id, c.used_time.is_(None), c.revoke_time.is_(None)
            ).values(used_time=now))
        return bool(result.rowcount == 1)

    async def revoke_family(self, family: str, now: dt.datetime) -> None:
        """Revoke the family's tokens and the live access tokens issued with them."""
        async with self.db.transaction() as conn:
            await self._revoke(conn, refresh_tokens.c.family == family, now)

    async def revoke_subject(self, tenant: str, subject: str, now: dt.datetime) -> None:
        """Revoke every family of ``subject`` (of ``tenant``) and their live access tokens,
        whichever tenant they act in: a platform principal's may act in any."""
        c = refresh_tokens.c
        async with self.db.transaction() as conn:
            await self._revoke(conn, c.subject == subject, now)

    async def _revoke(self, conn: AsyncConnection, which: sa.ColumnElement[bool],
                      now: dt.datetime) -> None:
        c = refresh_tokens.c
        live = (await conn.execute(sa.select(
            c.access_token_id, c.tenant, c.subject, c.access_expire_time
        ).where(which, c.access_expire_time > now))).all()
        await conn.execute(sa.update(refresh_tokens).where(which, c.revoke_time.is_(None))
                           .values(revoke_time=now))
        if live:
            await conn.execute(_insert_ignoring_duplicates(self.db, revoked_tokens, [
                {"token_id": r.access_token_id, "tenant": r.tenant, "subject": r.subject,
                 "expire_time": r.access_expire_time, "revoke_time": now} for r in live]))


class RevokedTokenRepository:
    """Ids of revoked access tokens, kept until the tokens expire."""

    def __init__(self, db: DatabaseConnection) -> None:
        self.db = db

    async def is_revoked(self, token_id: str) -> bool:
        async with self.db.connect() as conn:
            row = (await conn.execute(sa.select(revoked_tokens.c.token_id).where(
                revoked_tokens.c.token_id == token_id))).first()
        return row is not None

    async def revoke(self, token_id: str, tenant: str, subject: str, expire_time: dt.datetime,
                     now: dt.datetime) -> None:
        """Remember ``token_id`` until ``expire_time``, purging entries that expired."""
        async with self.db.transaction() as conn:
            await conn.execute(sa.delete(revoked_tokens).where(
                revoked_tokens.c.expire_time < now))
            await conn.execute(_insert_ignoring_duplicates(self.db, revoked_tokens, [
                {"token_id": token_id, "tenant": tenant, "subject": subject,
                 "expire_time": expire_time, "revoke_time": now}]))


class LoginFailureRepository:
    """Failed sign-in counters by (tenant, email), updated atomically so replicas share them."""

    def __init__(self, db: DatabaseConnection) -> None:
        self.db = db

    def _key(self, tenant: str, email: str) -> sa.ColumnElement[bool]:
        return sa.and_(login_failures.c.tenant == tenant, login_failures.c.email == email)

    async def locked_until(self, tenant: str, email: str, now: dt.datetime
                           ) -> dt.datetime | None:
        async with self.db.connect() as conn:
            until = (await conn.execute(sa.select(login_failures.c.locked_until).where(
                self._key(tenant, email)))).scalar_one_or_none()
        return until if until is not None and until > now else None

    async def record_failure(self, tenant: str, email: str, now: dt.datetime,
                             window: dt.timedelta, limit: int) -> None:
        """Count a failure in one UPDATE (the right-hand sides see the old row), so concurrent
        failures on several replicas are all counted; insert the first one."""
        c = login_failures.c
        expired = c.window_start <= now - window
        at_now = sa.literal(now, UtcDateTime())
        update = sa.update(login_failures).where(self._key(tenant, email)).values(
            failures=sa.case((expired, 1), else_=c.failures + 1),
            window_start=sa.case((expired, at_now), else_=c.window_start),
            locked_until=sa.case(
                (sa.and_(~expired, c.failures + 1 >= limit),
                 sa.literal(now + window, UtcDateTime())),
                (expired, sa.null()),
                else_=c.locked_until))
        for _ in range(2):
            try:
                async with self.db.transaction() as conn:
                    if (await conn.execute(update)).rowcount:
                        return
                    await conn.execute(sa.delete(login_failures).where(
                        c.window_start <= now - window,
                        sa.or_(c.locked_until.is_(None), c.locked_until <= now)))
                    await conn.execute(sa.insert(login_failures).values(
                        tenant=tenant, email=email, failures=1, window_start=now,
                        locked_until=now + window if limit <= 1 else None))
                    return
            except IntegrityError:
                continue  # another replica inserted the first failure: count ours on top

    async def clear(self, tenant: str, email: str) -> None:
        async with self.db.transaction() as conn:
            await conn.execute(sa.delete(login_failures).where(self._key(tenant, email)))


def user_repository(db: DatabaseConnection) -> UserRepository:
    """Users, tenant-scoped."""
    return UserRepository(db, users, User, "user")


def tenant_repository(db: DatabaseConnection) -> TenantRepository:
    """Tenants."""
    return TenantRepository(db, tenants, Tenant, "tenant")


def api_key_repository(db: DatabaseConnection) -> ApiKeyRepository:
    """API keys, tenant-scoped."""
    return ApiKeyRepository(db, api_keys, ApiKey, "api_key")
