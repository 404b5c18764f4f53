"""``Repository[T]``: tenant-scoped CRUD over one table, for any frozen dataclass entity.

Every query the repository builds filters on the tenant, and the tenant must be the caller's
(the one their token acts in) whenever the call carries one, so a service cannot forget it:
another tenant's row is simply not found. Column names equal the entity's field names.
"""

from __future__ import annotations

import contextlib
import dataclasses
from collections.abc import Mapping, Sequence
from typing import Any, Generic, TypeVar

import sqlalchemy as sa
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncConnection

from shared import context
from shared.database.connection import DatabaseConnection
from shared.database.fast_reads import WouldWait
from shared.database.filter_sql import filter_where
from shared.database.types import UtcDateTime
from shared.errors import Aborted, AlreadyExists, NotFound
from shared.resources.entity import Entity, new_etag, utc_now
from shared.resources.filters import Filter
from shared.resources.pages import Cursor, Page, PageRequest

E = TypeVar("E", bound=Entity)


def entity_columns() -> list[sa.Column[Any]]:
    """The columns of :class:`Entity`, to start every resource table with."""
    return [
        sa.Column("tenant", sa.String(64), primary_key=True),
        sa.Column("id", sa.String(64), primary_key=True),
        sa.Column("create_time", UtcDateTime(), nullable=False),
        sa.Column("update_time", UtcDateTime(), nullable=False),
        sa.Column("etag", sa.String(32), nullable=False),
    ]


class Repository(Generic[E]):
    """CRUD for entities of type ``E`` stored in ``table``, always within one tenant.

    Args:
        db: The service's database.
        table: Table whose column names match ``model``'s fields.
        model: The entity dataclass.
        kind: Human name used in NOT_FOUND/ALREADY_EXISTS messages (``goal``).
    """

    # Set by repositories of mesh-wide data that platform operators may read across tenants
    # (the auth service's tenants); everything else stays within the caller's tenant.
    cross_tenant = False

    def __init__(self, db: DatabaseConnection, table: sa.Table, model: type[E], kind: str) -> None:
        self.db = db
        self.table = table
        self.model = model
        self.kind = kind
        self._fields = [f.name for f in dataclasses.fields(model)]
        # The statements of get, create and update, built once (building and caching a
        # statement costs more than running it); bound parameters named ``key_*`` select the row.
        by_key = sa.and_(table.c.tenant == sa.bindparam("key_tenant"),
                         table.c.id == sa.bindparam("key_id"))
        self._insert = sa.insert(table)
        self._select_by_key = sa.select(table).where(by_key)
        self._update_by_key = sa.update(table).where(by_key)
        self._lock_by_key = (sa.update(table).where(by_key).values(etag=table.c.etag)
                             .returning(*table.c))
        self._update_by_key_and_etag = sa.update(table).where(
            by_key, table.c.etag == sa.bindparam("key_etag"))
        self._fast_select_by_key = db.prepared_read(self._select_by_key)

    def _to_row(self, entity: E) -> dict[str, Any]:
        return {name: getattr(entity, name) for name in self._fields}

    def _from_row(self, row: Mapping[Any, Any]) -> E:
        return self.model(**{name: row[name] for name in self._fields})

    def _key(self, tenant: str, id_: str) -> sa.ColumnElement[bool]:
        self.check_tenant(tenant)
        return sa.and_(self.table.c.tenant == tenant, self.table.c.id == id_)

    def check_tenant(self, tenant: str) -> None:
        """Refuse, as not found, any tenant other than the caller's.

        Calls without a tenant (internal work, start-up) are not restricted here.
        """
        caller = context.current().tenant
        if caller and caller != tenant and not self.cross_tenant:
            raise NotFound(f"{self.kind} not found", reason=f"{self.kind.upper()}_NOT_FOUND")

    def _not_found(self, id_: str) -> NotFound:
        return NotFound(f"{self.kind} {id_!r} not found", reason=f"{self.kind.upper()}_NOT_FOUND",
                        metadata={"id": id_})

    async def get(self, tenant: str, id_: str) -> E:
        """The entity ``id_`` of ``tenant``.

        Raises:
            NotFound: No such entity in this tenant.
        """
        self.check_tenant(tenant)
        key = {"key_tenant": tenant, "key_id": id_}
        row = await self._read_by_key(key)
        if row is None:
            raise self._not_found(id_)
        return self._from_row(row)

    async def _read_by_key(self, key: Mapping[str, str]) -> Mapping[Any, Any] | None:
        fast = self._fast_select_by_key
        if fast is not None:
            with contextlib.suppress(WouldWait):
                return fast.first(key)
        return await self.db.read(
            lambda conn: conn.execute(self._select_by_key, key).mappings().first())

    async def get_in(self, conn: AsyncConnection, tenant: str, id_: str) -> E:
        """Like :meth:`get`, on ``conn`` (inside the caller's transaction)."""
        return await self._one_in(conn, self._select_by_key, tenant, id_)

    async def lock_in(self, conn: AsyncConnection, tenant: str, id_: str) -> E:
        """Like :meth:`get_in`, taking the row's write lock for the rest of the transaction
        (the row's lock on PostgreSQL, the database's write lock on SQLite) in the same
        statement."""
        return await self._one_in(conn, self._lock_by_key, tenant, id_)

    async def _one_in(self, conn: AsyncConnection, statement: sa.Executable, tenant: str,
                      id_: str) -> E:
        """The entity ``statement`` returns for the key (``key_*`` parameters)."""
        self.check_tenant(tenant)
        row = (await conn.execute(statement, {"key_tenant": tenant, "key_id": id_})
               ).mappings().first()
        if row is None:
            raise self._not_found(id_)
        return self._from_row(row)

    async def list(self, tenant: str, page: PageRequest,
                   where: Sequence[sa.ColumnElement[bool]] = ()) -> Page[E]:
        """One page of ``tenant``'s entities, newest first, optionally filtered by ``where``."""
        self.check_tenant(tenant)
        query = sa.select(self.table).where(self.table.c.tenant == tenant, *where)
        return await self.fetch_page(self.newest_first(query, page), page)

    async def list_matching(self, tenant: str, page: PageRequest, matching: Filter) -> Page[E]:
        """One page of ``tenant``'s entities that pass the List filter ``matching``."""
        return await self.list(tenant, page, filter_where(matching, self.table))

    def newest_first(self, query: sa.Select[Any], page: PageRequest) -> sa.Select[Any]:
        """``query`` ordered by (create_time, id) descending, resumed after ``page``'s cursor."""
        c = self.table.c
        if page.after is not None:
            query = query.where(sa.or_(
                c.create_time < page.after.create_time,
                sa.and_(c.create_time == page.after.create_time, c.id < page.after.id),
            ))
        return query.order_by(c.create_time.desc(), c.id.desc())

    async def fetch_page(self, query: sa.Select[Any], page: PageRequest) -> Page[E]:
        """Run an ordered ``query`` for one page; the token resumes after its last entity."""
        async with self.db.connect() as conn:
            rows = (await conn.execute(query.limit(page.size + 1))).mappings().all()
        items = [self._from_row(r) for r in rows[: page.size]]
        token = ""
        if len(rows) > page.size:
            token = Cursor(items[-1].create_time, items[-1].id).encode()
        return Page(items, token)

    async def count(self, tenant: str, where: Sequence[sa.ColumnElement[bool]] = ()) -> int:
        """How many of ``tenant``'s entities match ``where``."""
        self.check_tenant(tenant)
        query = sa.select(sa.func.count()).select_from(self.table).where(
            self.table.c.tenant == tenant, *where)
        async with self.db.connect() as conn:
            return int((await conn.execute(query)).scalar_one())

    async def create(self, entity: E) -> E:
        """Insert ``entity`` with a fresh etag.

        Raises:
            AlreadyExists: ``tenant``/``id`` is taken.
            NotFound: The entity belongs to another tenant than the caller's.
        """
        async with self.db.transaction() as conn:
            return await self.create_in(conn, entity)

    async def create_in(self, conn: AsyncConnection, entity: E) -> E:
        """:meth:`create` within the caller's transaction (which an error leaves to be
        rolled back)."""
        self.check_tenant(entity.tenant)
        entity = dataclasses.replace(entity, etag=new_etag())
        try:
            await conn.execute(self._insert, self._to_row(entity))
            await self._written(conn, entity)
        except IntegrityError as error:
            raise AlreadyExists(f"{self.kind} {entity.id!r} already exists",
                                reason=f"{self.kind.upper()}_ALREADY_EXISTS",
                                metadata={"id": entity.id}) from error
        return entity

    async def update(self, entity: E, expected_etag: str = "") -> E:
        """Replace the stored ``entity`` (same tenant and id), bumping etag and update_time.

        Raises:
            NotFound: No such entity in this tenant.
            Aborted: ``expected_etag`` is set and the stored entity changed since.
        """
        updated = dataclasses.replace(entity, etag=new_etag(),
                                      update_time=utc_now())
        values = self._to_row(updated)
        for key in ("tenant", "id", "create_time"):
            values.pop(key)
        self.check_tenant(entity.tenant)
        values.update(key_tenant=entity.tenant, key_id=entity.id)
        statement = self._update_by_key
        if expected_etag:
            statement = self._update_by_key_and_etag
            values["key_etag"] = expected_etag
        async with self.db.transaction() as conn:
            result = await conn.execute(statement, values)
            if result.rowcount == 0:
                exists = (await conn.execute(sa.select(self.table.c.id).where(
                    self._key(entity.tenant, entity.id)))).first()
                if exists is None:
                    raise self._not_found(entity.id)
                raise Aborted(f"{self.kind} {entity.id!r} was changed concurrently (etag mismatch)",
                              reason="ETAG_MISMATCH")
            await self._written(conn, updated)
        return updated

    async def delete(self, tenant: str, id_: str) -> None:
        """Delete entity ``id_`` of ``tenant``.

        Raises:
            NotFound: No such entity in this tenant.
        """
        key = self._key(tenant, id_)
        async with self.db.transaction() as conn:
            await self._deleting(conn, tenant, id_)
            result = await conn.execute(sa.delete(self.table).where(key))
            if result.rowcount == 0:
                raise self._not_found(id_)

    async def _written(self, conn: AsyncConnection, entity: E) -> None:
        """Write what goes with ``entity`` in the same transaction, after its create or
        update (rows of other tables a subclass keeps); nothing by default."""

    async def _deleting(self, conn: AsyncConnection, tenant: str, id_: str) -> None:
        """Delete what goes with entity ``id_`` in the same transaction, before it; nothing
        by default."""
