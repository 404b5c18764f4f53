"""The identity stores on PostgreSQL: the atomic failure counter, family revocation (with its
insert-or-ignore) and API key lookups, which use SQL beyond the shared Repository."""

from __future__ import annotations

import pathlib
from collections.abc import AsyncIterator

import pytest

from services.auth.config import Settings
from services.auth.core.models import ApiKey
from services.auth.core.passwords import PasswordHashing
from services.auth.server import MIGRATIONS, AuthDomain, build_domain
from shared.database import DatabaseConnection
from shared.database.migrations import upgrade
from shared.errors import ResourceExhausted, Unauthenticated
from tests.unit.auth.support import HASHER, PASSWORD, TENANTS, FakeClock, add_tenants, add_user

pytestmark = pytest.mark.postgres


@pytest.fixture
async def pg_domain(postgres_url: str, postgres_schema: str, tmp_path: pathlib.Path,
                    clock: FakeClock) -> AsyncIterator[AuthDomain]:
    db = DatabaseConnection(postgres_url, schema=postgres_schema)
    await upgrade(db, MIGRATIONS)
    await add_tenants(db, *TENANTS)
    yield build_domain(db, Settings(mesh={"data_dir": str(tmp_path)}), clock=clock,
                       passwords=PasswordHashing(HASHER))
    await db.dispose()


async def test_lockout_refresh_reuse_and_api_keys(pg_domain: AuthDomain,
                                                  clock: FakeClock) -> None:
    domain = pg_domain
    await add_user(domain)
    for _ in range(5):
        with pytest.raises(Unauthenticated):
            await domain.tokens.sign_in_with_password("acme", "ada@example.com", "wrong one")
    with pytest.raises(ResourceExhausted):
        await domain.tokens.sign_in_with_password("acme", "ada@example.com", PASSWORD)
    clock.advance(minutes=5)

    first = await domain.tokens.sign_in_with_password("acme", "ada@example.com", PASSWORD)
    second = await domain.tokens.refresh(first.refresh_token)
    with pytest.raises(Unauthenticated):
        await domain.tokens.refresh(first.refresh_token)
    with pytest.raises(Unauthenticated):
        await domain.verifier.verify(second.access_token)
    await domain.tokens.revoke(second.access_token)  # already revoked with its family: ignored

    _, secret = await domain.api_keys.create(ApiKey(tenant="acme", id="ci", display_name="CI",
                                                    scopes=["goals.read"]))
    pair = await domain.tokens.sign_in_with_api_key(secret)
    assert (await domain.verifier.verify(pair.access_token)).scopes == {"goals.read"}
