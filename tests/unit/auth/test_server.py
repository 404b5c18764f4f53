"""The auth service's real server on a free port, driven over a gRPC channel."""

from __future__ import annotations

import logging
import pathlib
import stat
from collections.abc import Awaitable

import grpc
import jwt
import pytest
from google.protobuf import field_mask_pb2

from cognition.auth.v1 import api_key_pb2, tenant_pb2, user_pb2
from cognition.auth.v1 import auth_service_pb2 as pb
from cognition.auth.v1 import auth_service_pb2_grpc as pb_grpc
from services.auth.config import Settings
from services.auth.core.scopes import ALL_SCOPES
from services.auth.server import create_server
from shared.errors import Code, CognitionError, ResourceExhausted
from shared.rpc.status import from_rpc_error
from tests.helpers import mesh_channel

PASSWORD = "correct horse battery staple"


async def test_user_crud_and_tenants_over_grpc(tmp_path: pathlib.Path,
                                               caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.DEBUG)
    running = await create_server(Settings(port=0, mesh={"data_dir": str(tmp_path)}))
    try:
        async with mesh_channel(f"127.0.0.1:{running.port}") as channel:
            stub = pb_grpc.AuthServiceStub(channel)

            tenant = (await stub.CreateTenant(pb.CreateTenantRequest(
                tenant_id="acme", tenant=tenant_pb2.Tenant(display_name="Acme")))).tenant
            assert (tenant.name, tenant.state) == ("tenants/acme", tenant_pb2.TENANT_STATE_ACTIVE)
            assert (await stub.GetTenant(pb.GetTenantRequest(name="tenants/acme"))).tenant == tenant
            tenants = await stub.ListTenants(pb.ListTenantsRequest())
            assert [t.name for t in tenants.tenants] == ["tenants/acme"]

            created = (await stub.CreateUser(pb.CreateUserRequest(
                parent="tenants/acme", user_id="ada", password=PASSWORD,
                user=user_pb2.User(display_name="Ada", email="ada@example.com",
                                   roles=[user_pb2.ROLE_ADMIN])))).user
            assert created.name == "tenants/acme/users/ada"
            assert created.state == user_pb2.USER_STATE_ACTIVE

            got = (await stub.GetUser(pb.GetUserRequest(name=created.name))).user
            assert got == created

            listed = await stub.ListUsers(pb.ListUsersRequest(parent="tenants/acme"))
            assert [u.name for u in listed.users] == [created.name]

            updated = (await stub.UpdateUser(pb.UpdateUserRequest(
                user=user_pb2.User(name=created.name, display_name="Ada L.",
                                   email="ada@example.com", state=user_pb2.USER_STATE_DISABLED,
                                   etag=created.etag),
                update_mask=field_mask_pb2.FieldMask(paths=["state"])))).user
            assert (updated.state, updated.display_name) == (user_pb2.USER_STATE_DISABLED, "Ada")

            with pytest.raises(grpc.aio.AioRpcError) as taken:
                await stub.CreateUser(pb.CreateUserRequest(
                    parent="tenants/acme",
                    user=user_pb2.User(display_name="Eve", email="ADA@example.com")))
            assert taken.value.code() == grpc.StatusCode.ALREADY_EXISTS
            assert "ada@example.com" in (taken.value.details() or "")

            await stub.DeleteUser(pb.DeleteUserRequest(name=created.name))
            with pytest.raises(grpc.aio.AioRpcError) as missing:
                await stub.GetUser(pb.GetUserRequest(name=created.name))
            assert missing.value.code() == grpc.StatusCode.NOT_FOUND

            with pytest.raises(grpc.aio.AioRpcError) as bad:
                await stub.CreateUser(pb.CreateUserRequest(
                    parent="tenants/acme", password="short",
                    user=user_pb2.User(display_name="Bob", email="bob@example.com")))
            assert bad.value.code() == grpc.StatusCode.INVALID_ARGUMENT
    finally:
        await running.stop(0)
    assert PASSWORD not in caplog.text


async def rpc_error(call: Awaitable[object]) -> CognitionError:
    with pytest.raises(grpc.aio.AioRpcError) as error:
        await call
    return from_rpc_error(error.value)


async def test_identity_over_grpc(tmp_path: pathlib.Path, caplog: pytest.LogCaptureFixture
                                  ) -> None:
    caplog.set_level(logging.DEBUG)
    running = await create_server(Settings(port=0, mesh={"data_dir": str(tmp_path)}))
    try:
        async with mesh_channel(f"127.0.0.1:{running.port}") as channel:
            stub = pb_grpc.AuthServiceStub(channel)
            await stub.CreateTenant(pb.CreateTenantRequest(
                tenant_id="acme", tenant=tenant_pb2.Tenant(display_name="Acme")))
            await stub.CreateUser(pb.CreateUserRequest(
                parent="tenants/acme", user_id="ada", password=PASSWORD,
                user=user_pb2.User(display_name="Ada", email="ada@example.com",
                                   roles=[user_pb2.ROLE_VIEWER])))

            jwks = (await stub.GetJwks(pb.GetJwksRequest())).keys
            assert [(k.kty, k.crv, k.alg, k.use) for k in jwks] == [
                ("OKP", "Ed25519", "EdDSA", "sig")]
            assert [p.stem for p in (tmp_path / "keys").glob("*.pem")] == [jwks[0].kid]

            issued = await stub.IssueToken(pb.IssueTokenRequest(
                password=pb.PasswordGrant(tenant="tenants/acme", email="ada@example.com",
                                          password=PASSWORD),
                scopes=["goals.read", "tasks.read"]))
            assert (issued.token_type, issued.expires_in.seconds) == ("Bearer", 900)
            principal = (await stub.VerifyToken(pb.VerifyTokenRequest(
                token=issued.access_token))).principal
            assert (principal.subject, principal.tenant, list(principal.scopes)) == (
                "tenants/acme/users/ada", "acme", ["goals.read", "tasks.read"])
            assert principal.expire_time.seconds > 0 and principal.token_id

            wrong = await rpc_error(stub.IssueToken(pb.IssueTokenRequest(
                password=pb.PasswordGrant(tenant="tenants/acme", email="ada@example.com",
                                          password="not the password"))))
            assert (wrong.code, wrong.reason) == (Code.UNAUTHENTICATED,
                                                  "INVALID_CREDENTIALS")

            rotated = await stub.RotateSigningKey(pb.RotateSigningKeyRequest())
            assert [k.kid for k in rotated.keys] == [rotated.signing_key.kid, jwks[0].kid]
            assert [k.kid for k in (await stub.GetJwks(pb.GetJwksRequest())).keys] == [
                rotated.signing_key.kid, jwks[0].kid]
            await stub.VerifyToken(pb.VerifyTokenRequest(token=issued.access_token))

            refreshed = await stub.RefreshToken(pb.RefreshTokenRequest(
                refresh_token=issued.refresh_token))
            assert refreshed.refresh_token != issued.refresh_token
            reused = await rpc_error(stub.RefreshToken(pb.RefreshTokenRequest(
                refresh_token=issued.refresh_token)))
            assert reused.reason == "REFRESH_TOKEN_REUSED"
            revoked = await rpc_error(stub.VerifyToken(pb.VerifyTokenRequest(
                token=refreshed.access_token)))
            assert (revoked.code, revoked.reason) == (Code.UNAUTHENTICATED,
                                                      "TOKEN_REVOKED")

            created = await stub.CreateApiKey(pb.CreateApiKeyRequest(
                parent="tenants/acme", api_key_id="ci",
                api_key=api_key_pb2.ApiKey(display_name="CI", scopes=["goals.read"])))
            assert created.secret.startswith("cog_ci_")
            assert created.api_key.name == "tenants/acme/apiKeys/ci"
            listed = await stub.ListApiKeys(pb.ListApiKeysRequest(parent="tenants/acme"))
            assert created.secret not in str(listed)
            assert listed.api_keys[0].key_prefix == created.api_key.key_prefix
            by_key = await stub.IssueToken(pb.IssueTokenRequest(
                api_key=pb.ApiKeyGrant(secret=created.secret)))
            await stub.RevokeToken(pb.RevokeTokenRequest(token=by_key.access_token))
            assert (await rpc_error(stub.VerifyToken(pb.VerifyTokenRequest(
                token=by_key.access_token)))).reason == "TOKEN_REVOKED"
            after = await stub.RevokeApiKey(pb.RevokeApiKeyRequest(name="tenants/acme/apiKeys/ci"))
            assert after.api_key.HasField("revoke_time")
            assert (await rpc_error(stub.IssueToken(pb.IssueTokenRequest(
                api_key=pb.ApiKeyGrant(secret=created.secret))))).reason == "API_KEY_REVOKED"

            for _ in range(4):
                await rpc_error(stub.IssueToken(pb.IssueTokenRequest(
                    password=pb.PasswordGrant(tenant="tenants/acme", email="ada@example.com",
                                              password="not the password"))))
            locked = await rpc_error(stub.IssueToken(pb.IssueTokenRequest(
                password=pb.PasswordGrant(tenant="tenants/acme", email="ada@example.com",
                                          password=PASSWORD))))
            assert locked.code == Code.RESOURCE_EXHAUSTED
            assert isinstance(locked, ResourceExhausted)
            assert locked.retry_after is not None and 0 < locked.retry_after <= 300
    finally:
        await running.stop(0)
    assert PASSWORD not in caplog.text
    for secret in (issued.access_token, issued.refresh_token, created.secret):
        assert secret not in caplog.text


async def test_a_fresh_mesh_is_usable_with_the_bootstrap_key(tmp_path: pathlib.Path,
                                                             caplog: pytest.LogCaptureFixture
                                                             ) -> None:
    caplog.set_level(logging.DEBUG)
    key_file = tmp_path / "secrets" / "bootstrap.key"
    settings = Settings(port=0, mesh={"data_dir": str(tmp_path)}, bootstrap_key_file=key_file)
    running = await create_server(settings)
    try:
        assert stat.S_IMODE(key_file.stat().st_mode) == 0o600
        secret = key_file.read_text()
        async with mesh_channel(f"127.0.0.1:{running.port}") as channel:
            stub = pb_grpc.AuthServiceStub(channel)
            own = await stub.IssueToken(pb.IssueTokenRequest(
                api_key=pb.ApiKeyGrant(secret=secret)))
            principal = (await stub.VerifyToken(pb.VerifyTokenRequest(
                token=own.access_token))).principal
            assert (principal.subject, principal.tenant, set(principal.scopes)) == (
                "tenants/system/apiKeys/bootstrap-admin", "system", ALL_SCOPES)

            # The platform key mints a token acting in tenant acme, once it exists.
            await stub.CreateTenant(pb.CreateTenantRequest(
                tenant_id="acme", tenant=tenant_pb2.Tenant(display_name="Acme")))
            acme = await stub.IssueToken(pb.IssueTokenRequest(
                api_key=pb.ApiKeyGrant(secret=secret), tenant="tenants/acme",
                scopes=["goals.write"]))
            claims = jwt.decode(acme.access_token, options={"verify_signature": False})
            assert (claims["sub"], claims["tenant"], claims["scope"]) == (
                "tenants/system/apiKeys/bootstrap-admin", "acme", "goals.write")
            assert (await stub.VerifyToken(pb.VerifyTokenRequest(
                token=acme.access_token))).principal.tenant == "acme"
    finally:
        await running.stop(0)

    again = await create_server(settings)
    try:
        assert key_file.read_text() == secret
        async with mesh_channel(f"127.0.0.1:{again.port}") as channel:
            keys = await pb_grpc.AuthServiceStub(channel).ListApiKeys(
                pb.ListApiKeysRequest(parent="tenants/system"))
            assert [k.name for k in keys.api_keys] == ["tenants/system/apiKeys/bootstrap-admin"]
    finally:
        await again.stop(0)
    assert secret not in caplog.text


def bearer(token: str) -> tuple[tuple[str, str], ...]:
    return (("authorization", f"Bearer {token}"),)


async def test_only_the_platform_manages_tenants_over_grpc(tmp_path: pathlib.Path) -> None:
    """Callers are who their access tokens say, verified by the auth service itself."""
    key_file = tmp_path / "bootstrap-admin.key"
    running = await create_server(Settings(port=0, mesh={"data_dir": str(tmp_path)},
                                           bootstrap_key_file=key_file))
    try:
        async with mesh_channel(f"127.0.0.1:{running.port}") as channel:
            stub = pb_grpc.AuthServiceStub(channel)

            async def platform_token(tenant: str) -> tuple[tuple[str, str], ...]:
                return bearer((await stub.IssueToken(pb.IssueTokenRequest(
                    api_key=pb.ApiKeyGrant(secret=key_file.read_text().strip()),
                    tenant=f"tenants/{tenant}"))).access_token)

            platform = await platform_token("system")
            for tenant_id in ("acme", "globex"):
                created = await stub.CreateTenant(pb.CreateTenantRequest(
                    tenant_id=tenant_id, tenant=tenant_pb2.Tenant(display_name=tenant_id)),
                    metadata=platform)
                assert created.tenant.name == f"tenants/{tenant_id}"
            await stub.CreateUser(pb.CreateUserRequest(
                parent="tenants/acme", user_id="ada", password=PASSWORD,
                user=user_pb2.User(display_name="Ada", email="ada@example.com",
                                   roles=[user_pb2.ROLE_ADMIN])),
                metadata=await platform_token("acme"))
            acme_admin = bearer((await stub.IssueToken(pb.IssueTokenRequest(
                password=pb.PasswordGrant(tenant="tenants/acme", email="ada@example.com",
                                          password=PASSWORD)))).access_token)

            refused = await rpc_error(stub.CreateTenant(pb.CreateTenantRequest(
                tenant_id="initech", tenant=tenant_pb2.Tenant(display_name="Initech")),
                metadata=acme_admin))
            assert (refused.code, refused.reason) == (Code.PERMISSION_DENIED,
                                                      "PLATFORM_ONLY")

            every = await stub.ListTenants(pb.ListTenantsRequest(), metadata=platform)
            assert [t.name for t in every.tenants] == ["tenants/globex", "tenants/acme",
                                                      "tenants/system"]
            own = await stub.ListTenants(pb.ListTenantsRequest(), metadata=acme_admin)
            assert [t.name for t in own.tenants] == ["tenants/acme"]
            await stub.GetTenant(pb.GetTenantRequest(name="tenants/globex"), metadata=platform)
            hidden = await rpc_error(stub.GetTenant(pb.GetTenantRequest(name="tenants/globex"),
                                                    metadata=acme_admin))
            assert hidden.code == Code.NOT_FOUND

            # A key of a normal tenant may not get a token acting in another one.
            created_key = await stub.CreateApiKey(pb.CreateApiKeyRequest(
                parent="tenants/acme", api_key_id="ci",
                api_key=api_key_pb2.ApiKey(display_name="CI", scopes=["goals.read"])),
                metadata=acme_admin)
            other = await rpc_error(stub.IssueToken(pb.IssueTokenRequest(
                api_key=pb.ApiKeyGrant(secret=created_key.secret), tenant="tenants/globex")))
            assert (other.code, other.reason) == (Code.PERMISSION_DENIED,
                                                  "OTHER_TENANT_DENIED")
            bad = await rpc_error(stub.IssueToken(pb.IssueTokenRequest(
                api_key=pb.ApiKeyGrant(secret=created_key.secret), tenant="globex")))
            assert bad.code == Code.INVALID_ARGUMENT
    finally:
        await running.stop(0)
