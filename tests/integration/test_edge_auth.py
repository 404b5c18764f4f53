"""Authentication at the edge, over a real Envoy and real servers, on SQLite and PostgreSQL:
no token, an expired, tampered or revoked token or key are UNAUTHENTICATED; a token without
the method's scope is PERMISSION_DENIED; a token is issued only for scopes its principal holds
and in a tenant that exists; signing-key rotation keeps old tokens working only inside the
overlap window; repeated bad sign-ins are throttled."""

from __future__ import annotations

import asyncio
import datetime as dt
import pathlib
import secrets
from collections.abc import AsyncIterator
from typing import Any

import grpc
import jwt
import pytest

from cognition.auth.v1 import api_key_pb2, user_pb2
from cognition.auth.v1 import auth_service_pb2 as auth_pb
from cognition.auth.v1 import auth_service_pb2_grpc as auth_grpc
from cognition.planner.v1 import goal_pb2
from cognition.planner.v1 import planner_service_pb2 as pb
from cognition.planner.v1 import planner_service_pb2_grpc as pb_grpc
from cognos import rest
from cognos.credentials import ensure_tenant, issue_token
from cognos.mesh import health
from cognos.mesh.supervisor import Mesh, MeshLayout
from services.auth.key_directory import KeyDirectory
from shared.mesh.registry import by_name
from shared.rpc.status import from_rpc_error
from tests.helpers import assert_eventually

AUTH, PLANNER, AUDIT = by_name("auth"), by_name("task-planner"), by_name("audit-log")
OVERLAP_SECONDS = 15


@pytest.fixture(scope="module", params=["sqlite", "postgresql"])
async def secured_mesh(request: pytest.FixtureRequest,
                       tmp_path_factory: pytest.TempPathFactory) -> AsyncIterator[Mesh]:
    """auth, task-planner and audit-log behind an Envoy that demands tokens."""
    env = {"COGNOS_AUTH_KEY_OVERLAP_SECONDS": str(OVERLAP_SECONDS)}
    if request.param == "postgresql":
        env["COGNOS_DATABASE_URL"] = request.getfixturevalue("postgres_url")
    var = pathlib.Path(tmp_path_factory.mktemp(f"secured-{request.param}"))
    mesh = Mesh(MeshLayout.ephemeral(var, services=(AUTH, PLANNER, AUDIT), env=env,
                                     edge_auth=True))
    await mesh.start(timeout=90)
    yield mesh
    await mesh.stop(grace=2)


def bearer(token: str) -> list[tuple[str, str]]:
    return [("authorization", f"Bearer {token}")]


async def issue(channel: grpc.aio.Channel, secret: str, tenant: str = "",
                scopes: tuple[str, ...] = ()) -> str:
    """An access token for an API key secret, optionally acting in ``tenant``."""
    response = await auth_grpc.AuthServiceStub(channel).IssueToken(auth_pb.IssueTokenRequest(
        api_key=auth_pb.ApiKeyGrant(secret=secret), scopes=list(scopes),
        tenant=f"tenants/{tenant}" if tenant else ""), timeout=10)
    return str(response.access_token)


@pytest.fixture
async def channel(secured_mesh: Mesh) -> AsyncIterator[grpc.aio.Channel]:
    async with grpc.aio.insecure_channel(secured_mesh.envoy_address) as opened:
        yield opened


@pytest.fixture
async def platform_key(secured_mesh: Mesh) -> str:
    return secured_mesh.layout.bootstrap_key_file.read_text().strip()


@pytest.fixture
async def tenant(secured_mesh: Mesh, platform_key: str, tenant: str) -> str:
    """A fresh tenant, created in the secured mesh."""
    address = secured_mesh.envoy_address
    await ensure_tenant(address, await issue_token(address, platform_key), tenant)
    return tenant


async def list_goals(channel: grpc.aio.Channel, tenant: str,
                     metadata: list[tuple[str, str]] | None = None) -> Any:
    return await pb_grpc.PlannerServiceStub(channel).ListGoals(
        pb.ListGoalsRequest(parent=f"tenants/{tenant}"), timeout=10, metadata=metadata)


async def expect_code(code: grpc.StatusCode, call: Any) -> grpc.aio.AioRpcError:
    with pytest.raises(grpc.aio.AioRpcError) as caught:
        await call
    assert caught.value.code() is code, caught.value.details()
    return caught.value


async def test_no_token_is_unauthenticated_over_grpc_and_rest(
        secured_mesh: Mesh, channel: grpc.aio.Channel, tenant: str) -> None:
    await expect_code(grpc.StatusCode.UNAUTHENTICATED, list_goals(channel, tenant))
    status, body = await asyncio.to_thread(
        rest.call, f"http://{secured_mesh.envoy_address}", "GET", f"/v1/tenants/{tenant}/goals")
    assert status == 401, body
    assert body["code"] == grpc.StatusCode.UNAUTHENTICATED.value[0]
    assert body["details"][0]["reason"] == "UNAUTHENTICATED"


async def test_spoofed_identity_headers_are_ignored(channel: grpc.aio.Channel,
                                                    tenant: str) -> None:
    spoofed = [("x-cognos-tenant", tenant), ("x-cognos-subject", "tenants/x/users/root"),
               ("x-cognos-scopes", "goals.read goals.write")]
    await expect_code(grpc.StatusCode.UNAUTHENTICATED, list_goals(channel, tenant, spoofed))


async def test_health_and_the_token_endpoint_stay_open(secured_mesh: Mesh,
                                                       channel: grpc.aio.Channel,
                                                       platform_key: str) -> None:
    assert await health.check(secured_mesh.envoy_address, PLANNER, via_envoy=True) == "SERVING"
    assert await issue(channel, platform_key)


async def test_scopes_decide_what_a_token_may_do(channel: grpc.aio.Channel, platform_key: str,
                                                 tenant: str) -> None:
    reader = await issue(channel, platform_key, tenant, ("goals.read",))
    assert list((await list_goals(channel, tenant, bearer(reader))).goals) == []
    create = pb_grpc.PlannerServiceStub(channel).CreateGoal(pb.CreateGoalRequest(
        parent=f"tenants/{tenant}", goal=goal_pb2.Goal(description="not mine to make")),
        timeout=10, metadata=bearer(reader))
    await expect_code(grpc.StatusCode.PERMISSION_DENIED, create)
    writer = await issue(channel, platform_key, tenant, ("goals.read", "goals.write"))
    created = await pb_grpc.PlannerServiceStub(channel).CreateGoal(pb.CreateGoalRequest(
        parent=f"tenants/{tenant}", goal=goal_pb2.Goal(description="allowed")),
        timeout=10, metadata=bearer(writer))
    assert created.goal.name.startswith(f"tenants/{tenant}/goals/")
    # A token of one tenant reaches nothing of another.
    await expect_code(grpc.StatusCode.NOT_FOUND,
                      list_goals(channel, f"{tenant}-other", bearer(writer)))


async def test_tampered_tokens_are_rejected(channel: grpc.aio.Channel, platform_key: str,
                                            tenant: str) -> None:
    token = await issue(channel, platform_key, tenant, ("goals.read",))
    header, payload, signature = token.split(".")
    flipped = signature[:-2] + ("A" if signature[-2] != "A" else "B") + signature[-1]
    other_claims = jwt.utils.base64url_encode(  # type: ignore[attr-defined]
        jwt.utils.base64url_decode(payload).replace(b"goals.read", b"goals.wrte")).decode()  # type: ignore[attr-defined]
    for forged in (f"{header}.{payload}.{flipped}", f"{header}.{other_claims}.{signature}",
                   "not-a-token"):
        await expect_code(grpc.StatusCode.UNAUTHENTICATED,
                          list_goals(channel, tenant, bearer(forged)))


async def test_expired_tokens_are_rejected(secured_mesh: Mesh, channel: grpc.aio.Channel,
                                           tenant: str) -> None:
    key = next(k for k in KeyDirectory(secured_mesh.var_dir / "data" / "keys").load()
               if k.retire_time is None)
    past = int((dt.datetime.now(dt.UTC) - dt.timedelta(minutes=10)).timestamp())
    expired = jwt.encode({"iss": "cognitionos", "sub": f"tenants/{tenant}/users/old",
                          "tenant": tenant, "scope": "goals.read", "iat": past - 60,
                          "nbf": past - 60, "exp": past, "jti": secrets.token_urlsafe(8)},
                         key.private_key, algorithm="EdDSA", headers={"kid": key.kid})
    await expect_code(grpc.StatusCode.UNAUTHENTICATED,
                      list_goals(channel, tenant, bearer(expired)))


async def test_a_revoked_token_stops_working(channel: grpc.aio.Channel, platform_key: str,
                                             tenant: str) -> None:
    token = await issue(channel, platform_key, tenant, ("goals.read",))
    await list_goals(channel, tenant, bearer(token))
    await auth_grpc.AuthServiceStub(channel).RevokeToken(
        auth_pb.RevokeTokenRequest(token=token), timeout=10)

    async def refused() -> bool:
        try:
            await list_goals(channel, tenant, bearer(token))
        except grpc.aio.AioRpcError as error:
            return error.code() is grpc.StatusCode.UNAUTHENTICATED
        return False

    await assert_eventually(refused, timeout=10, interval=0.2,
                            message="the revoked token is refused")


async def test_a_revoked_api_key_gets_no_token(channel: grpc.aio.Channel, platform_key: str,
                                               tenant: str) -> None:
    admin = await issue(channel, platform_key, tenant, ("apiKeys.write", "apiKeys.read"))
    created = await auth_grpc.AuthServiceStub(channel).CreateApiKey(auth_pb.CreateApiKeyRequest(
        parent=f"tenants/{tenant}", api_key=api_key_pb2.ApiKey(
            display_name="ci", scopes=["goals.read"])), timeout=10, metadata=bearer(admin))
    assert await issue(channel, created.secret)
    await auth_grpc.AuthServiceStub(channel).RevokeApiKey(auth_pb.RevokeApiKeyRequest(
        name=created.api_key.name), timeout=10, metadata=bearer(admin))
    await expect_code(grpc.StatusCode.UNAUTHENTICATED, issue(channel, created.secret))


async def test_repeated_bad_sign_ins_are_throttled(channel: grpc.aio.Channel, platform_key: str,
                                                   tenant: str) -> None:
    admin = await issue(channel, platform_key, tenant, ("users.write",))
    await auth_grpc.AuthServiceStub(channel).CreateUser(auth_pb.CreateUserRequest(
        parent=f"tenants/{tenant}", password="correct horse battery staple",
        user=user_pb2.User(display_name="Mallory", email="mallory@example.com",
                           roles=[user_pb2.ROLE_VIEWER])), timeout=10, metadata=bearer(admin))

    def sign_in(password: str) -> Any:
        return auth_grpc.AuthServiceStub(channel).IssueToken(auth_pb.IssueTokenRequest(
            password=auth_pb.PasswordGrant(tenant=f"tenants/{tenant}",
                                           email="mallory@example.com", password=password)),
            timeout=10)

    for _ in range(5):
        await expect_code(grpc.StatusCode.UNAUTHENTICATED, sign_in("wrong password!!"))
    await expect_code(grpc.StatusCode.RESOURCE_EXHAUSTED, sign_in("wrong password!!"))
    await expect_code(grpc.StatusCode.RESOURCE_EXHAUSTED, sign_in("correct horse battery staple"))


async def test_rotation_keeps_old_tokens_only_inside_the_overlap(
        channel: grpc.aio.Channel, platform_key: str, tenant: str) -> None:
    admin = await issue(channel, platform_key, scopes=("keys.write",))
    old = await issue(channel, platform_key, tenant, ("goals.read",))
    await auth_grpc.AuthServiceStub(channel).RotateSigningKey(
        auth_pb.RotateSigningKeyRequest(), timeout=10, metadata=bearer(admin))
    await list_goals(channel, tenant, bearer(old))  # inside the overlap: still good

    async def new_token_accepted() -> bool:
        try:
            fresh = await issue(channel, platform_key, tenant, ("goals.read",))
            await list_goals(channel, tenant, bearer(fresh))
        except grpc.aio.AioRpcError:
            return False  # Envoy has not fetched the new key yet
        return True

    # Envoy refreshes the published keys every few seconds; under load that can take longer.
    await assert_eventually(new_token_accepted, timeout=45, interval=0.5,
                            message="tokens of the new key are accepted")

    async def old_token_refused() -> bool:
        try:
            await list_goals(channel, tenant, bearer(old))
        except grpc.aio.AioRpcError as error:
            return error.code() is grpc.StatusCode.UNAUTHENTICATED
        return False

    await assert_eventually(old_token_refused, timeout=OVERLAP_SECONDS + 45, interval=0.5,
                            message="the old key's tokens fail after the overlap")


async def test_a_token_for_scopes_the_key_does_not_hold_is_refused_naming_them(
        secured_mesh: Mesh, channel: grpc.aio.Channel, platform_key: str, tenant: str) -> None:
    admin = await issue(channel, platform_key, tenant, ("apiKeys.write",))
    created = await auth_grpc.AuthServiceStub(channel).CreateApiKey(auth_pb.CreateApiKeyRequest(
        parent=f"tenants/{tenant}", api_key=api_key_pb2.ApiKey(
            display_name="reader", scopes=["goals.read"])), timeout=10, metadata=bearer(admin))

    error = await expect_code(grpc.StatusCode.PERMISSION_DENIED,
                              issue(channel, created.secret, scopes=("goals.read", "goals.write")))
    status, body = await asyncio.to_thread(
        rest.call, f"http://{secured_mesh.envoy_address}", "POST", "/v1/tokens",
        {"apiKey": {"secret": created.secret}, "scopes": ["goals.write"]})

    assert from_rpc_error(error).metadata == {"scopes": "goals.write"}
    assert status == 403 and "goals.write" in body["message"], body
    assert body["details"][0]["reason"] == "SCOPES_NOT_HELD", body
    assert body["details"][0]["metadata"] == {"scopes": "goals.write"}, body


async def test_no_token_acts_in_a_tenant_that_does_not_exist(
        channel: grpc.aio.Channel, platform_key: str, tenant: str) -> None:
    missing = f"{tenant}-missing"

    error = await expect_code(grpc.StatusCode.NOT_FOUND, issue(channel, platform_key, missing))

    refused = from_rpc_error(error)
    assert (refused.reason, refused.metadata) == ("TENANT_NOT_FOUND",
                                                  {"tenant": f"tenants/{missing}"})
