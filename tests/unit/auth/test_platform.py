"""Platform principals: tokens acting in another tenant, and who may do so."""

from __future__ import annotations

import time

import jwt
import pytest

from services.auth.core.models import ApiKey, Role
from services.auth.core.scopes import ALL_SCOPES
from services.auth.core.signing_keys import ALGORITHM
from services.auth.server import AuthDomain
from shared.database import DatabaseConnection
from shared.errors import FailedPrecondition, PermissionDenied, Unauthenticated
from tests.unit.auth.support import PASSWORD, add_user, suspend


async def new_key(domain: AuthDomain, tenant: str, key_id: str = "ops") -> str:
    _, secret = await domain.api_keys.create(ApiKey(
        tenant=tenant, id=key_id, display_name=key_id, scopes=sorted(ALL_SCOPES)))
    return secret


def claims_of(token: str) -> dict[str, object]:
    claims: dict[str, object] = jwt.decode(token, options={"verify_signature": False})
    return claims


async def test_a_platform_key_gets_a_token_acting_in_another_tenant(domain: AuthDomain) -> None:
    secret = await new_key(domain, "system")

    pair = await domain.tokens.sign_in_with_api_key(secret, ("goals.read",), "acme")

    claims = claims_of(pair.access_token)
    assert (claims["sub"], claims["tenant"], claims["scope"]) == (
        "tenants/system/apiKeys/ops", "acme", "goals.read")
    principal = await domain.verifier.verify(pair.access_token)
    assert (principal.subject, principal.tenant) == ("tenants/system/apiKeys/ops", "acme")
    # A refresh keeps acting in that tenant.
    refreshed = await domain.tokens.refresh(pair.refresh_token)
    assert claims_of(refreshed.access_token)["tenant"] == "acme"
    await domain.verifier.verify(refreshed.access_token)


async def test_a_platform_user_signs_in_acting_in_another_tenant(domain: AuthDomain) -> None:
    await add_user(domain, "root", roles=(Role.ADMIN,), tenant="system")

    pair = await domain.tokens.sign_in_with_password("system", "root@example.com", PASSWORD,
                                                     acting_tenant="acme")

    principal = await domain.verifier.verify(pair.access_token)
    assert (principal.subject, principal.tenant) == ("tenants/system/users/root", "acme")
    assert principal.scopes == ALL_SCOPES


async def test_naming_its_own_tenant_is_the_same_as_naming_none(domain: AuthDomain) -> None:
    secret = await new_key(domain, "acme")

    pair = await domain.tokens.sign_in_with_api_key(secret, acting_tenant="acme")

    assert claims_of(pair.access_token)["tenant"] == "acme"


async def test_others_may_not_act_in_another_tenant(domain: AuthDomain) -> None:
    secret = await new_key(domain, "acme")
    await add_user(domain, "ada", roles=(Role.ADMIN,))

    with pytest.raises(PermissionDenied) as by_key:
        await domain.tokens.sign_in_with_api_key(secret, acting_tenant="globex")
    with pytest.raises(PermissionDenied) as by_password:
        await domain.tokens.sign_in_with_password("acme", "ada@example.com", PASSWORD,
                                                  acting_tenant="system")

    assert by_key.value.reason == by_password.value.reason == "OTHER_TENANT_DENIED"


async def test_a_suspended_tenant_cannot_be_acted_in_even_by_the_platform(
        domain: AuthDomain, db: DatabaseConnection) -> None:
    secret = await new_key(domain, "system")
    pair = await domain.tokens.sign_in_with_api_key(secret, acting_tenant="acme")

    await suspend(db, "acme")

    with pytest.raises(FailedPrecondition) as refused:
        await domain.tokens.sign_in_with_api_key(secret, acting_tenant="acme")
    assert refused.value.reason == "TENANT_SUSPENDED"
    with pytest.raises(FailedPrecondition):
        await domain.verifier.verify(pair.access_token)


async def test_revoking_the_platform_key_ends_its_tokens_in_every_tenant(
        domain: AuthDomain) -> None:
    secret = await new_key(domain, "system")
    pair = await domain.tokens.sign_in_with_api_key(secret, acting_tenant="acme")

    await domain.api_keys.revoke("system", "ops")

    with pytest.raises(Unauthenticated) as error:
        await domain.verifier.verify(pair.access_token)
    assert error.value.reason == "TOKEN_REVOKED"
    with pytest.raises(Unauthenticated):
        await domain.tokens.refresh(pair.refresh_token)


async def test_deleting_a_platform_user_revokes_its_sign_ins_in_other_tenants(
        domain: AuthDomain) -> None:
    await add_user(domain, "root", roles=(Role.ADMIN,), tenant="system")
    pair = await domain.tokens.sign_in_with_password("system", "root@example.com", PASSWORD,
                                                     acting_tenant="acme")

    await domain.users.delete("system", "root")
    await add_user(domain, "root", roles=(Role.ADMIN,), tenant="system")

    with pytest.raises(Unauthenticated) as error:
        await domain.tokens.refresh(pair.refresh_token)
    assert error.value.reason == "REFRESH_TOKEN_REVOKED"


async def test_a_token_of_another_tenants_subject_is_invalid_unless_platform(
        domain: AuthDomain) -> None:
    key = domain.keys.active()
    now = int(time.time())

    def forge(subject: str, tenant: str) -> str:
        return jwt.encode({"iss": "cognitionos", "sub": subject, "tenant": tenant,
                           "scope": "goals.read", "iat": now, "nbf": now, "exp": now + 60,
                           "jti": "x"}, key.private_key, algorithm=ALGORITHM,
                          headers={"kid": key.kid})

    with pytest.raises(Unauthenticated) as forged:
        domain.verifier.decode(forge("tenants/acme/apiKeys/ci", "globex"), check_time=False)
    assert forged.value.reason == "TOKEN_INVALID"
    principal = domain.verifier.decode(forge("tenants/system/apiKeys/ops", "globex"),
                                       check_time=False)
    assert principal.tenant == "globex"
