"""API keys: created with a secret shown once, listed without it, revoked; the API key grant."""

from __future__ import annotations

import dataclasses
import datetime as dt
import hashlib

import pytest

from services.auth.core.models import ApiKey
from services.auth.repository import api_keys as api_keys_table
from services.auth.server import AuthDomain
from shared.database import DatabaseConnection, PageRequest
from shared.errors import AlreadyExists, FailedPrecondition, InvalidArgument, Unauthenticated
from tests.unit.auth.support import FakeClock

SCOPES = ["memories.read", "goals.read"]


def new_key(key_id: str = "ci", **fields: object) -> ApiKey:
    values: dict[str, object] = {"display_name": "CI", "scopes": SCOPES}
    values.update(fields)
    return ApiKey(tenant="acme", id=key_id, **values)  # type: ignore[arg-type]


async def reason_of_grant(domain: AuthDomain, secret: str) -> str:
    with pytest.raises(Unauthenticated) as error:
        await domain.tokens.sign_in_with_api_key(secret)
    return error.value.reason


async def test_create_returns_the_secret_once_and_stores_only_its_hash(
        domain: AuthDomain, db: DatabaseConnection, clock: FakeClock) -> None:
    key, secret = await domain.api_keys.create(new_key())

    prefix, key_id, random_part = secret.split("_", 2)
    assert (prefix, key_id) == ("cog", "ci")
    assert len(random_part) == 43  # 32 bytes, base64url without padding
    assert key.key_prefix == secret[:len("cog_ci_") + 4]
    assert (key.scopes, key.create_time, key.revoke_time) == (sorted(SCOPES), clock.now, None)
    async with db.connect() as conn:
        rows = (await conn.execute(api_keys_table.select())).mappings().all()
    assert len(rows) == 1
    assert rows[0]["secret_hash"] == hashlib.sha256(secret.encode()).hexdigest()
    assert all(random_part not in str(value) for value in rows[0].values())
    assert key.secret_hash not in repr(key)


async def test_get_and_list_never_carry_the_secret(domain: AuthDomain) -> None:
    created, secret = await domain.api_keys.create(new_key("one"))
    await domain.api_keys.create(new_key("two"))

    got = await domain.api_keys.get("acme", "one")
    page = await domain.api_keys.list("acme", PageRequest())

    assert got == created
    assert [k.id for k in page.items] == ["two", "one"]
    assert secret not in repr(page.items)
    with pytest.raises(AlreadyExists):
        await domain.api_keys.create(new_key("one"))


async def test_create_refuses_unknown_scopes_and_past_expiry(domain: AuthDomain,
                                                             clock: FakeClock) -> None:
    with pytest.raises(InvalidArgument) as error:
        await domain.api_keys.create(new_key(scopes=["goals.read", "root"],
                                             expire_time=clock.now))

    assert [v.field for v in error.value.violations] == ["api_key.scopes[1]",
                                                         "api_key.expire_time"]


async def test_the_api_key_grant_issues_a_token_with_the_keys_scopes(domain: AuthDomain) -> None:
    _, secret = await domain.api_keys.create(new_key())

    every = await domain.tokens.sign_in_with_api_key(secret)
    narrowed = await domain.tokens.sign_in_with_api_key(secret, ["goals.read"])

    principal = await domain.verifier.verify(every.access_token)
    assert principal.subject == "tenants/acme/apiKeys/ci"
    assert (principal.tenant, principal.scopes) == ("acme", frozenset(SCOPES))
    assert (await domain.verifier.verify(narrowed.access_token)).scopes == {"goals.read"}


async def test_wrong_secrets_are_refused(domain: AuthDomain) -> None:
    _, secret = await domain.api_keys.create(new_key())

    for wrong in (secret[:-1] + ("A" if secret[-1] != "A" else "B"), "cog_ci_", "secret"):
        assert await reason_of_grant(domain, wrong) == "API_KEY_INVALID"


async def test_a_revoked_key_gets_no_tokens_and_its_tokens_stop_working(
        domain: AuthDomain, clock: FakeClock) -> None:
    _, secret = await domain.api_keys.create(new_key())
    pair = await domain.tokens.sign_in_with_api_key(secret)

    revoked = await domain.api_keys.revoke("acme", "ci")

    assert revoked.revoke_time == clock.now
    assert await reason_of_grant(domain, secret) == "API_KEY_REVOKED"
    with pytest.raises(Unauthenticated) as error:
        await domain.verifier.verify(pair.access_token)
    assert error.value.reason == "TOKEN_REVOKED"
    with pytest.raises(Unauthenticated):
        await domain.tokens.refresh(pair.refresh_token)
    with pytest.raises(FailedPrecondition):
        await domain.api_keys.revoke("acme", "ci")


async def test_an_expired_key_gets_no_tokens_and_its_tokens_end_with_it(
        domain: AuthDomain, clock: FakeClock) -> None:
    expiry = clock.now + dt.timedelta(minutes=5)
    _, secret = await domain.api_keys.create(new_key(expire_time=expiry))

    pair = await domain.tokens.sign_in_with_api_key(secret)

    assert (await domain.verifier.verify(pair.access_token)).expire_time == expiry
    assert pair.expires_in == dt.timedelta(minutes=5)
    clock.advance(minutes=5)
    assert await reason_of_grant(domain, secret) == "API_KEY_EXPIRED"


async def test_keys_are_tenant_scoped(domain: AuthDomain) -> None:
    await domain.api_keys.create(new_key())
    await domain.api_keys.create(dataclasses.replace(new_key(), tenant="globex"))

    assert [k.tenant for k in (await domain.api_keys.list("globex", PageRequest())).items] == [
        "globex"]
