"""UserService against a real, migrated SQLite database."""

from __future__ import annotations

import argon2
import pytest

from services.auth.core.models import Role, User, UserState
from services.auth.core.passwords import PasswordHashing
from services.auth.core.users import UserService
from services.auth.repository import user_repository
from shared.database import DatabaseConnection, PageRequest
from shared.errors import Aborted, AlreadyExists, NotFound
from tests.unit.auth.support import add_tenants

# Cheap parameters: the tests check what is stored, not argon2's cost.
HASHER = argon2.PasswordHasher(time_cost=1, memory_cost=8, parallelism=1)
PASSWORD = "correct horse battery staple"


def make_user(user_id: str = "u1", tenant: str = "acme", **fields: object) -> User:
    values: dict[str, object] = {"display_name": "Ada", "email": f"{user_id}@example.com",
                                 "roles": [Role.DEVELOPER]}
    values.update(fields)
    return User(tenant=tenant, id=user_id, **values)  # type: ignore[arg-type]


@pytest.fixture
async def service(db: DatabaseConnection) -> UserService:
    await add_tenants(db, "acme", "other")
    return UserService(user_repository(db), PasswordHashing(HASHER))


async def test_create_stores_only_an_argon2_hash_of_the_password(service: UserService) -> None:
    created = await service.create(make_user(), PASSWORD)

    stored = await service.get("acme", "u1")
    assert stored == created
    assert stored.password_hash is not None
    assert stored.password_hash.startswith("$argon2id$")
    assert PASSWORD not in stored.password_hash
    assert HASHER.verify(stored.password_hash, PASSWORD)
    assert stored.password_hash not in repr(stored)


async def test_create_without_a_password_stores_no_hash(service: UserService) -> None:
    created = await service.create(make_user(roles=[Role.AGENT, Role.VIEWER]))

    assert created.password_hash is None
    assert (await service.get("acme", "u1")).roles == [Role.AGENT, Role.VIEWER]


async def test_the_default_hasher_makes_argon2id_hashes() -> None:
    hashed = await PasswordHashing().hash(PASSWORD)

    assert hashed.startswith("$argon2id$")
    assert argon2.PasswordHasher().verify(hashed, PASSWORD)


async def test_emails_are_unique_per_tenant_ignoring_case(service: UserService) -> None:
    await service.create(make_user("u1", email="Ada@Example.com"))
    await service.create(make_user("u1", tenant="other", email="ada@example.com"))

    with pytest.raises(AlreadyExists) as error:
        await service.create(make_user("u2", email="ADA@example.com"))

    assert error.value.reason == "EMAIL_ALREADY_EXISTS"
    assert "ada@example.com" in error.value.message
    assert error.value.metadata == {"email": "ada@example.com"}
    assert (await service.get("acme", "u1")).email == "ada@example.com"


async def test_a_taken_id_is_reported_as_the_id(service: UserService) -> None:
    await service.create(make_user("u1"))

    with pytest.raises(AlreadyExists) as error:
        await service.create(make_user("u1", email="new@example.com"))

    assert error.value.reason == "USER_ALREADY_EXISTS"


async def test_update_refuses_an_email_taken_by_another_user(service: UserService) -> None:
    await service.create(make_user("u1"))
    await service.create(make_user("u2"))

    with pytest.raises(AlreadyExists) as error:
        await service.update("acme", "u2", {"email": "U1@example.com"})

    assert error.value.metadata == {"email": "u1@example.com"}
    assert (await service.get("acme", "u2")).email == "u2@example.com"


async def test_update_changes_fields_keeps_the_hash_and_checks_the_etag(service: UserService
                                                                        ) -> None:
    created = await service.create(make_user(), PASSWORD)

    updated = await service.update("acme", "u1", {"state": UserState.DISABLED,
                                                  "roles": [Role.ADMIN]}, created.etag)

    assert (updated.state, updated.roles) == (UserState.DISABLED, [Role.ADMIN])
    assert updated.password_hash == created.password_hash
    assert updated.email == created.email
    with pytest.raises(Aborted):
        await service.update("acme", "u1", {"display_name": "x"}, created.etag)


async def test_list_pages_newest_first_within_the_tenant(service: UserService) -> None:
    for user_id in ("u1", "u2", "u3"):
        await service.create(make_user(user_id))
    await service.create(make_user("v1", tenant="other"))

    first = await service.list("acme", PageRequest(size=2))
    rest = await service.list("acme", PageRequest.of(2, first.next_page_token))

    assert [u.id for u in first.items] == ["u3", "u2"]
    assert [u.id for u in rest.items] == ["u1"]
    assert rest.next_page_token == ""


async def test_delete_frees_the_email(service: UserService) -> None:
    await service.create(make_user("u1", email="ada@example.com"))

    await service.delete("acme", "u1")

    with pytest.raises(NotFound):
        await service.get("acme", "u1")
    assert (await service.create(make_user("u2", email="ada@example.com"))).id == "u2"
