"""Access tokens: the password grant, and TokenVerifier's checks and reasons."""

from __future__ import annotations

import base64
import datetime as dt
import json

import jwt
import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from services.auth.core.models import Role, User, UserState
from services.auth.core.scopes import scopes_for_roles
from services.auth.server import AuthDomain
from shared.database import DatabaseConnection
from shared.errors import FailedPrecondition, InvalidArgument, Unauthenticated
from tests.unit.auth.support import PASSWORD, FakeClock, add_user, suspend


async def sign_in(domain: AuthDomain, email: str = "ada@example.com", password: str = PASSWORD,
                  scopes: tuple[str, ...] = ()) -> str:
    return (await domain.tokens.sign_in_with_password("acme", email, password, scopes)
            ).access_token


async def reason_of(domain: AuthDomain, token: str) -> str:
    with pytest.raises(Unauthenticated) as error:
        await domain.verifier.verify(token)
    return error.value.reason


def flip(text: str, at: int) -> str:
    return text[:at] + ("A" if text[at] != "A" else "B") + text[at + 1:]


async def test_the_password_grant_issues_a_token_the_verifier_accepts(
        domain: AuthDomain, clock: FakeClock) -> None:
    await add_user(domain, roles=(Role.DEVELOPER, Role.AGENT))

    pair = await domain.tokens.sign_in_with_password("acme", "ADA@example.com", PASSWORD)
    principal = await domain.verifier.verify(pair.access_token)

    assert principal.subject == "tenants/acme/users/ada"
    assert principal.tenant == "acme"
    assert principal.scopes == scopes_for_roles([Role.DEVELOPER, Role.AGENT])
    assert principal.expire_time == clock.now + dt.timedelta(seconds=900)
    assert pair.expires_in == dt.timedelta(seconds=900)
    header = jwt.get_unverified_header(pair.access_token)
    assert (header["alg"], header["kid"]) == ("EdDSA", domain.keys.active().kid)
    claims = jwt.decode(pair.access_token, options={"verify_signature": False})
    assert set(claims) == {"iss", "sub", "tenant", "scope", "iat", "nbf", "exp", "jti"}
    assert claims["iss"] == "cognitionos"
    assert claims["scope"] == " ".join(sorted(principal.scopes))
    assert claims["jti"] == principal.token_id


async def test_requested_scopes_narrow_the_token(domain: AuthDomain) -> None:
    await add_user(domain, roles=(Role.VIEWER,))

    token = await sign_in(domain, scopes=("goals.read",))

    assert (await domain.verifier.verify(token)).scopes == {"goals.read"}
    with pytest.raises(InvalidArgument) as error:
        await sign_in(domain, scopes=("goals.read", "goals.fly"))
    assert [v.field for v in error.value.violations] == ["scopes[1]"]


@pytest.mark.parametrize("email, password", [("ada@example.com", "wrong password!"),
                                             ("nobody@example.com", PASSWORD)])
async def test_wrong_credentials_are_unauthenticated_alike(domain: AuthDomain, email: str,
                                                           password: str) -> None:
    await add_user(domain)

    with pytest.raises(Unauthenticated) as error:
        await sign_in(domain, email, password)

    assert error.value.reason == "INVALID_CREDENTIALS"


async def test_a_user_without_a_password_cannot_sign_in_with_one(domain: AuthDomain) -> None:
    await domain.users.create(User(tenant="acme", id="bot", display_name="Bot",
                                   email="bot@example.com", roles=[Role.AGENT]))

    with pytest.raises(Unauthenticated) as error:
        await sign_in(domain, "bot@example.com", "any password at all")

    assert error.value.reason == "INVALID_CREDENTIALS"


async def test_a_disabled_user_or_suspended_tenant_gets_no_token(
        domain: AuthDomain, db: DatabaseConnection) -> None:
    await add_user(domain)
    token = await sign_in(domain)
    await domain.users.update("acme", "ada", {"state": UserState.DISABLED})

    with pytest.raises(FailedPrecondition) as disabled:
        await sign_in(domain)
    assert disabled.value.reason == "USER_DISABLED"
    # Tokens issued before stop working too.
    assert await reason_of(domain, token) == "TOKEN_REVOKED"

    await domain.users.update("acme", "ada", {"state": UserState.ACTIVE})
    token = await sign_in(domain)
    await suspend(db, "acme")
    with pytest.raises(FailedPrecondition) as suspended:
        await sign_in(domain)
    assert suspended.value.reason == "TENANT_SUSPENDED"
    with pytest.raises(FailedPrecondition):
        await domain.verifier.verify(token)


async def test_a_deleted_users_tokens_stop_working(domain: AuthDomain) -> None:
    await add_user(domain)
    token = await sign_in(domain)

    await domain.users.delete("acme", "ada")

    assert await reason_of(domain, token) == "TOKEN_REVOKED"


async def test_a_tampered_signature_or_payload_is_invalid(domain: AuthDomain) -> None:
    await add_user(domain)
    token = await sign_in(domain)
    header, payload, signature = token.split(".")

    assert await reason_of(domain, ".".join((header, payload, flip(signature, 10)))
                           ) == "TOKEN_INVALID"
    assert await reason_of(domain, ".".join((header, flip(payload, 10), signature))
                           ) == "TOKEN_INVALID"
    claims = json.loads(base64.urlsafe_b64decode(payload + "=" * (-len(payload) % 4)))
    claims["scope"] = "users.write keys.write"
    forged = base64.urlsafe_b64encode(json.dumps(claims).encode()).decode().rstrip("=")
    assert await reason_of(domain, ".".join((header, forged, signature))) == "TOKEN_INVALID"
    for garbage in ("", "not-a-token", "a.b.c"):
        assert await reason_of(domain, garbage) == "TOKEN_INVALID"


async def test_a_token_is_expired_after_exp_plus_30s_of_leeway(domain: AuthDomain,
                                                               clock: FakeClock) -> None:
    await add_user(domain)
    token = await sign_in(domain)

    clock.advance(seconds=900 + 29)
    assert (await domain.verifier.verify(token)).subject == "tenants/acme/users/ada"
    clock.advance(seconds=1)
    assert await reason_of(domain, token) == "TOKEN_EXPIRED"


async def test_a_token_from_the_future_is_invalid(domain: AuthDomain, clock: FakeClock) -> None:
    await add_user(domain)
    token = await sign_in(domain)

    clock.advance(seconds=-29)
    await domain.verifier.verify(token)
    clock.advance(seconds=-2)
    assert await reason_of(domain, token) == "TOKEN_INVALID"


async def test_a_revoked_token_is_refused(domain: AuthDomain) -> None:
    await add_user(domain)
    token, other = await sign_in(domain), await sign_in(domain)

    await domain.tokens.revoke(token)
    await domain.tokens.revoke(token)  # again: fine

    assert await reason_of(domain, token) == "TOKEN_REVOKED"
    await domain.verifier.verify(other)


async def test_revoking_garbage_is_invalid_but_an_unknown_key_is_fine(domain: AuthDomain,
                                                                      clock: FakeClock) -> None:
    with pytest.raises(InvalidArgument):
        await domain.tokens.revoke("not a token")
    with pytest.raises(InvalidArgument):
        await domain.tokens.revoke("a.b.c")
    await domain.tokens.revoke(_foreign_token(clock, kid="nobody"))
    await domain.tokens.revoke("cogr_unknown")


def _foreign_token(clock: FakeClock, kid: str, issuer: str = "cognitionos",
                   key: Ed25519PrivateKey | None = None) -> str:
    now = int(clock.now.timestamp())
    claims = {"iss": issuer, "sub": "tenants/acme/users/ada", "tenant": "acme",
              "scope": "users.write", "iat": now, "nbf": now, "exp": now + 900, "jti": "x"}
    return jwt.encode(claims, key or Ed25519PrivateKey.generate(), algorithm="EdDSA",
                      headers={"kid": kid})


async def test_a_token_signed_by_an_unknown_key_is_refused(domain: AuthDomain,
                                                           clock: FakeClock) -> None:
    await add_user(domain)

    assert await reason_of(domain, _foreign_token(clock, kid="someone-else")) == "KEY_UNKNOWN"
    # Our kid, someone else's key: the signature does not match.
    assert await reason_of(domain, _foreign_token(clock, kid=domain.keys.active().kid)
                           ) == "TOKEN_INVALID"


async def test_a_token_of_another_issuer_or_algorithm_is_invalid(domain: AuthDomain,
                                                                 clock: FakeClock) -> None:
    await add_user(domain)
    active = domain.keys.active()

    assert await reason_of(domain, _foreign_token(clock, active.kid, "evil", active.private_key)
                           ) == "TOKEN_INVALID"
    control = _foreign_token(clock, active.kid, key=active.private_key)
    assert (await domain.verifier.verify(control)).scopes == {"users.write"}
    hs256 = jwt.encode({"sub": "x"}, "a secret of at least thirty-two bytes!",
                       algorithm="HS256", headers={"kid": active.kid})
    assert await reason_of(domain, hs256) == "TOKEN_INVALID"


async def test_after_rotation_old_tokens_verify_inside_the_overlap_window_only(
        domain: AuthDomain, clock: FakeClock) -> None:
    await add_user(domain)
    old_kid = domain.keys.active().kid
    old = await sign_in(domain)

    domain.keys.rotate()
    new = await sign_in(domain)

    assert jwt.get_unverified_header(new)["kid"] != old_kid
    assert [k.kid for k in domain.keys.published()][1:] == [old_kid]
    clock.advance(seconds=900 + 29)
    await domain.verifier.verify(old)  # still in the window (and not yet expired)
    clock.advance(seconds=31)  # the window (ttl + 60 s) has passed
    assert await reason_of(domain, old) == "KEY_UNKNOWN"
    assert old_kid not in {k.kid for k in domain.keys.published()}
