"""Brute-force protection: five failed password sign-ins in five minutes lock an email out."""

from __future__ import annotations

import pytest

from services.auth.core.models import TokenPair
from services.auth.server import AuthDomain
from shared.errors import ResourceExhausted, Unauthenticated
from tests.unit.auth.support import PASSWORD, FakeClock, add_user

WRONG = "not the password"


async def attempt(domain: AuthDomain, password: str, email: str = "ada@example.com"
                  ) -> TokenPair:
    return await domain.tokens.sign_in_with_password("acme", email, password)


async def fail(domain: AuthDomain, times: int, email: str = "ada@example.com") -> None:
    for _ in range(times):
        with pytest.raises(Unauthenticated):
            await attempt(domain, WRONG, email)


async def test_five_failures_lock_the_email_out_even_with_the_right_password(
        domain: AuthDomain, clock: FakeClock) -> None:
    await add_user(domain)
    await fail(domain, 4)
    clock.advance(minutes=1)
    await fail(domain, 1)

    clock.advance(seconds=10)
    with pytest.raises(ResourceExhausted) as locked:
        await attempt(domain, PASSWORD)

    assert locked.value.reason == "TOO_MANY_FAILED_SIGN_INS"
    assert locked.value.retry_after == 290
    clock.advance(seconds=289)
    with pytest.raises(ResourceExhausted):
        await attempt(domain, PASSWORD)
    clock.advance(seconds=1)
    await attempt(domain, PASSWORD)


async def test_the_lockout_is_per_email_and_counts_unknown_emails_too(domain: AuthDomain) -> None:
    await add_user(domain)
    await add_user(domain, "bob")
    await fail(domain, 5, "nobody@example.com")
    await fail(domain, 5)

    with pytest.raises(ResourceExhausted):
        await attempt(domain, WRONG, "nobody@example.com")
    with pytest.raises(ResourceExhausted):
        await attempt(domain, PASSWORD)
    await attempt(domain, PASSWORD, "bob@example.com")


async def test_a_success_resets_the_count(domain: AuthDomain) -> None:
    await add_user(domain)
    await fail(domain, 4)

    await attempt(domain, PASSWORD)
    await fail(domain, 4)

    await attempt(domain, PASSWORD)


async def test_failures_older_than_the_window_do_not_count(domain: AuthDomain,
                                                           clock: FakeClock) -> None:
    await add_user(domain)
    await fail(domain, 4)
    clock.advance(minutes=5)

    await fail(domain, 4)

    await attempt(domain, PASSWORD)
