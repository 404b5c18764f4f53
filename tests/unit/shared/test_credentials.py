"""Every server verifies its callers itself: access tokens against auth's published keys,
service credentials against the mesh key; anything forged, expired or unsigned is refused."""

from __future__ import annotations

import time

import jwt
import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import (
    Ed25519PrivateKey,
    Ed25519PublicKey,
)

from shared.context import CallContext, bearer_token, from_metadata, outgoing_metadata
from shared.errors import Unauthenticated, Unavailable
from shared.rpc.credentials import CallerVerifier, JwksKeys, ServiceCredentials

MESH_KEY = b"m" * 32
SIGNING = Ed25519PrivateKey.generate()


class Published:
    """Auth's published keys: one, ``k1``."""

    def __init__(self) -> None:
        self.keys: dict[str, Ed25519PublicKey] = {"k1": SIGNING.public_key()}

    async def get(self, kid: str) -> Ed25519PublicKey | None:
        return self.keys.get(kid)


def access_token(key: Ed25519PrivateKey = SIGNING, kid: str = "k1", **claims: object) -> str:
    now = int(time.time())
    body: dict[str, object] = {"iss": "cognitionos", "sub": "tenants/acme/users/ada",
                               "tenant": "acme", "scope": "goals.read goals.write",
                               "iat": now, "nbf": now, "exp": now + 900, "jti": "j1"}
    body.update(claims)
    return jwt.encode(body, key, algorithm="EdDSA", headers={"kid": kid})


def verifier(published: Published | None = None) -> CallerVerifier:
    return CallerVerifier(MESH_KEY, published or Published(), "cognitionos")


async def test_an_access_token_proves_its_subject_tenant_and_scopes() -> None:
    token = access_token()
    caller = await verifier().verify(token)
    assert (caller.subject, caller.tenant, caller.scopes, caller.token) == (
        "tenants/acme/users/ada", "acme", frozenset({"goals.read", "goals.write"}), token)
    assert not caller.is_service


async def test_a_service_credential_proves_the_service_and_whom_it_acts_for() -> None:
    minted = ServiceCredentials("agent-orchestrator", MESH_KEY).mint(
        "acme", ["models.run"], "tenants/acme/agents/a1")
    caller = await verifier().verify(minted)
    assert (caller.subject, caller.tenant, caller.on_behalf_of, caller.token) == (
        "services/agent-orchestrator", "acme", "tenants/acme/agents/a1", "")
    assert caller.is_service


@pytest.mark.parametrize("token", [
    access_token(key=Ed25519PrivateKey.generate()),  # signed by a key auth never had
    access_token(kid="k-unknown"),
    access_token(iss="someone-else"),
    access_token(sub="services/task-planner"),  # an access token cannot name a service
    jwt.encode({"iss": "cognitionos-mesh", "sub": "services/x", "iat": 1, "exp": 2**31},
               b"x" * 32, algorithm="HS256"),  # a service credential under another key
    jwt.encode({"iss": "cognitionos-mesh", "sub": "tenants/acme/users/ada", "iat": 1,
                "exp": 2**31}, MESH_KEY, algorithm="HS256"),  # names no service
    jwt.encode({"sub": "tenants/acme/users/ada", "tenant": "acme", "scope": "goals.write"},
               None, algorithm="none"),
    "not-a-jwt", "a.b.c", "",
])
async def test_a_forged_or_malformed_credential_is_refused(token: str) -> None:
    with pytest.raises(Unauthenticated):
        await verifier().verify(token)


async def test_an_expired_credential_is_refused() -> None:
    now = int(time.time())
    with pytest.raises(Unauthenticated) as refused:
        await verifier().verify(access_token(iat=now - 2000, nbf=now - 2000, exp=now - 100))
    assert refused.value.reason == "TOKEN_EXPIRED"


async def test_a_retired_key_stops_verifying_once_unpublished() -> None:
    published = Published()
    fresh = verifier(published)
    published.keys.clear()
    with pytest.raises(Unauthenticated) as refused:
        await fresh.verify(access_token())
    assert refused.value.reason == "KEY_UNKNOWN"


def test_identity_headers_of_the_caller_are_never_read() -> None:
    metadata = [("x-cognos-tenant", "acme"), ("x-cognos-subject", "tenants/acme/users/root"),
                ("x-cognos-scopes", "goals.write"), ("x-request-id", "r1")]
    call = from_metadata(metadata, "/m", "t" * 32)
    assert (call.tenant, call.subject, call.scopes, call.request_id) == (
        "", "", frozenset(), "r1")
    assert bearer_token([("authorization", "Bearer abc")]) == "abc"
    assert bearer_token([("authorization", "Basic abc")]) == ""


def test_a_service_carries_the_callers_token_else_its_own_credential() -> None:
    credentials = ServiceCredentials("task-planner", MESH_KEY)
    user = CallContext(tenant="acme", subject="tenants/acme/users/ada", token="user-token")
    assert ("authorization", "Bearer user-token") in outgoing_metadata(user, credentials)
    own = CallContext(tenant="acme", subject="services/task-planner",
                      scopes=frozenset({"models.run"}))
    [(_, value)] = outgoing_metadata(own, credentials)
    claims = jwt.decode(value.removeprefix("Bearer "), MESH_KEY, algorithms=["HS256"])
    assert (claims["sub"], claims["tenant"], claims["scope"]) == (
        "services/task-planner", "acme", "models.run")
    assert "obo" not in claims


async def test_auth_keys_are_refetched_for_an_unknown_kid_and_kept_when_auth_is_down() -> None:
    fetched: list[int] = []
    up = True

    async def fetch() -> dict[str, Ed25519PublicKey]:
        fetched.append(1)
        if not up:
            raise Unavailable("auth is down")
        return {"k1": SIGNING.public_key()}

    keys = JwksKeys(fetch, ttl=0.0, min_interval=0.0)
    assert await keys.get("k1") is not None
    up = False
    assert await keys.get("k1") is not None  # the last keys fetched keep verifying
    with pytest.raises(Unavailable):
        await keys.get("k2")  # never seen: ask again later, not "unauthenticated"
    assert len(fetched) == 3
