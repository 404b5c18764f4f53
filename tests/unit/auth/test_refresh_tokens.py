"""Refresh tokens: single use, rotated on every refresh, a reused one revokes its family."""

from __future__ import annotations

import dataclasses

import pytest

from services.auth.core.models import Role, TokenPair, UserState
from services.auth.server import AuthDomain
from shared.errors import FailedPrecondition, Unauthenticated
from tests.unit.auth.support import PASSWORD, FakeClock, add_user


async def sign_in(domain: AuthDomain, scopes: tuple[str, ...] = ()) -> TokenPair:
    return await domain.tokens.sign_in_with_password("acme", "ada@example.com", PASSWORD, scopes)


async def refresh_reason(domain: AuthDomain, refresh_token: str) -> str:
    with pytest.raises(Unauthenticated) as error:
        await domain.tokens.refresh(refresh_token)
    return error.value.reason


async def test_a_refresh_returns_a_new_pair_and_retires_the_old_refresh_token(
        domain: AuthDomain) -> None:
    await add_user(domain)
    first = await sign_in(domain, scopes=("goals.read",))

    second = await domain.tokens.refresh(first.refresh_token)

    assert first.refresh_token.startswith("cogr_")
    assert second.refresh_token != first.refresh_token
    assert second.access_token != first.access_token
    principal = await domain.verifier.verify(second.access_token)
    assert principal.subject == "tenants/acme/users/ada"
    assert principal.scopes == {"goals.read"}
    third = await domain.tokens.refresh(second.refresh_token)
    await domain.verifier.verify(third.access_token)


async def test_reusing_a_refresh_token_revokes_the_whole_family(domain: AuthDomain) -> None:
    await add_user(domain)
    first = await sign_in(domain)
    second = await domain.tokens.refresh(first.refresh_token)
    unrelated = await sign_in(domain)

    assert await refresh_reason(domain, first.refresh_token) == "REFRESH_TOKEN_REUSED"

    # The thief's and the owner's latest tokens are all cut off...
    assert await refresh_reason(domain, second.refresh_token) == "REFRESH_TOKEN_REVOKED"
    for access_token in (first.access_token, second.access_token):
        with pytest.raises(Unauthenticated) as error:
            await domain.verifier.verify(access_token)
        assert error.value.reason == "TOKEN_REVOKED"
    # ...but another sign-in of the same user is not.
    await domain.verifier.verify(unrelated.access_token)
    await domain.tokens.refresh(unrelated.refresh_token)


async def test_an_unknown_or_expired_refresh_token_is_refused(domain: AuthDomain,
                                                              clock: FakeClock) -> None:
    await add_user(domain)
    pair = await sign_in(domain)

    assert await refresh_reason(domain, "cogr_made-up") == "REFRESH_TOKEN_INVALID"
    assert await refresh_reason(domain, pair.access_token) == "REFRESH_TOKEN_INVALID"
    clock.advance(days=7)
    assert await refresh_reason(domain, pair.refresh_token) == "REFRESH_TOKEN_EXPIRED"


async def test_revoking_a_refresh_token_ends_its_sign_in(domain: AuthDomain) -> None:
    await add_user(domain)
    pair = await sign_in(domain)

    await domain.tokens.revoke(pair.refresh_token)

    assert await refresh_reason(domain, pair.refresh_token) == "REFRESH_TOKEN_REVOKED"
    with pytest.raises(Unauthenticated):
        await domain.verifier.verify(pair.access_token)


async def test_a_refresh_follows_the_users_current_roles_and_state(domain: AuthDomain) -> None:
    await add_user(domain, roles=(Role.DEVELOPER,))
    pair = await sign_in(domain)
    await domain.users.update("acme", "ada", {"roles": [Role.VIEWER]})

    pair = await domain.tokens.refresh(pair.refresh_token)

    scopes = (await domain.verifier.verify(pair.access_token)).scopes
    assert "goals.read" in scopes
    assert "goals.write" not in scopes
    await domain.users.update("acme", "ada", {"state": UserState.DISABLED})
    with pytest.raises(FailedPrecondition):
        await domain.tokens.refresh(pair.refresh_token)


async def test_deleting_a_user_revokes_its_sign_ins(domain: AuthDomain) -> None:
    user = await add_user(domain)
    pair = await sign_in(domain)

    await domain.users.delete("acme", "ada")
    await domain.users.create(dataclasses.replace(user, display_name="Another Ada"), PASSWORD)

    assert await refresh_reason(domain, pair.refresh_token) == "REFRESH_TOKEN_REVOKED"
    with pytest.raises(Unauthenticated):
        await domain.verifier.verify(pair.access_token)
