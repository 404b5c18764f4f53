"""Tokens only for scopes their principal holds, and users, keys and tokens only in tenants that
exist: refused as PERMISSION_DENIED and NOT_FOUND naming what is missing, directly and over
gRPC; tenants that had users or keys before the rule get records when the database migrates."""

from __future__ import annotations

import pathlib

import grpc
import pytest
import sqlalchemy as sa

from cognition.auth.v1 import api_key_pb2, tenant_pb2, user_pb2
from cognition.auth.v1 import auth_service_pb2 as pb
from cognition.auth.v1 import auth_service_pb2_grpc as pb_grpc
from services.auth.config import Settings
from services.auth.core.models import ApiKey, Role
from services.auth.core.scopes import ALL_SCOPES
from services.auth.repository import tenant_repository
from services.auth.server import MIGRATIONS, AuthDomain, create_server
from shared import context
from shared.database import DatabaseConnection, PageRequest
from shared.database.migrations import upgrade
from shared.errors import NotFound, PermissionDenied
from shared.rpc.status import from_rpc_error
from tests.helpers import mesh_channel
from tests.unit.auth.support import PASSWORD, add_user


async def new_key(domain: AuthDomain, tenant: str, scopes: list[str]) -> str:
    _, secret = await domain.api_keys.create(ApiKey(tenant=tenant, id="ci", display_name="CI",
                                                    scopes=scopes))
    return secret


async def test_a_token_for_scopes_the_user_does_not_hold_is_refused_naming_them(
        domain: AuthDomain) -> None:
    await add_user(domain, roles=(Role.VIEWER,))

    with pytest.raises(PermissionDenied) as refused:
        await domain.tokens.sign_in_with_password(
            "acme", "ada@example.com", PASSWORD, ("goals.read", "tasks.write", "goals.write"))

    assert refused.value.reason == "SCOPES_NOT_HELD"
    assert refused.value.metadata == {"scopes": "goals.write tasks.write"}
    assert "goals.write tasks.write" in str(refused.value)


async def test_a_token_for_scopes_the_key_does_not_hold_is_refused(domain: AuthDomain) -> None:
    secret = await new_key(domain, "acme", ["goals.read"])

    with pytest.raises(PermissionDenied) as refused:
        await domain.tokens.sign_in_with_api_key(secret, ("memories.write",))

    assert (refused.value.reason, refused.value.metadata) == ("SCOPES_NOT_HELD",
                                                              {"scopes": "memories.write"})


async def test_users_and_keys_are_refused_in_a_tenant_that_does_not_exist(
        domain: AuthDomain) -> None:
    with pytest.raises(NotFound) as no_user_tenant:
        await add_user(domain, tenant="nowhere")
    with pytest.raises(NotFound) as no_key_tenant:
        await new_key(domain, "nowhere", ["goals.read"])

    for refused in (no_user_tenant.value, no_key_tenant.value):
        assert refused.reason == "TENANT_NOT_FOUND"
        assert refused.metadata == {"tenant": "tenants/nowhere"}
        assert "tenants/nowhere" in str(refused)
    assert (await domain.users.list("nowhere", PageRequest())).items == []
    assert (await domain.api_keys.list("nowhere", PageRequest())).items == []


async def test_a_caller_of_another_tenant_learns_nothing_of_which_tenants_exist(
        domain: AuthDomain) -> None:
    reasons = []
    with context.bind(context.CallContext(tenant="acme", subject="tenants/acme/users/ada")):
        for tenant in ("globex", "nowhere"):
            with pytest.raises(NotFound) as refused:
                await add_user(domain, tenant=tenant)
            reasons.append((refused.value.reason, dict(refused.value.metadata)))

    assert reasons[0] == reasons[1] == ("USER_NOT_FOUND", {})


async def test_the_platform_cannot_act_in_a_tenant_that_does_not_exist(
        domain: AuthDomain) -> None:
    secret = await new_key(domain, "system", sorted(ALL_SCOPES))
    await add_user(domain, "root", roles=(Role.ADMIN,), tenant="system")

    with pytest.raises(NotFound) as by_key:
        await domain.tokens.sign_in_with_api_key(secret, acting_tenant="nowhere")
    with pytest.raises(NotFound) as by_password:
        await domain.tokens.sign_in_with_password("system", "root@example.com", PASSWORD,
                                                  acting_tenant="nowhere")

    for refused in (by_key.value, by_password.value):
        assert (refused.reason, refused.metadata) == ("TENANT_NOT_FOUND",
                                                      {"tenant": "tenants/nowhere"})
    acting = await domain.tokens.sign_in_with_api_key(secret, acting_tenant="acme")
    assert (await domain.verifier.verify(acting.access_token)).tenant == "acme"


async def test_the_refusals_over_grpc_carry_their_error_info(tmp_path: pathlib.Path) -> None:
    running = await create_server(Settings(port=0, mesh={"data_dir": str(tmp_path)}))
    try:
        async with mesh_channel(f"127.0.0.1:{running.port}") as channel:
            stub = pb_grpc.AuthServiceStub(channel)
            await stub.CreateTenant(pb.CreateTenantRequest(
                tenant_id="acme", tenant=tenant_pb2.Tenant(display_name="Acme")))
            key = await stub.CreateApiKey(pb.CreateApiKeyRequest(
                parent="tenants/acme", api_key=api_key_pb2.ApiKey(
                    display_name="CI", scopes=["goals.read"])))

            with pytest.raises(grpc.aio.AioRpcError) as scopes:
                await stub.IssueToken(pb.IssueTokenRequest(
                    api_key=pb.ApiKeyGrant(secret=key.secret),
                    scopes=["goals.read", "goals.write"]))
            with pytest.raises(grpc.aio.AioRpcError) as user:
                await stub.CreateUser(pb.CreateUserRequest(
                    parent="tenants/nowhere", user=user_pb2.User(
                        display_name="Ada", email="ada@example.com",
                        roles=[user_pb2.ROLE_VIEWER])))
    finally:
        await running.stop(0)

    assert scopes.value.code() is grpc.StatusCode.PERMISSION_DENIED
    assert "goals.write" in (scopes.value.details() or "")
    assert from_rpc_error(scopes.value).metadata == {"scopes": "goals.write"}
    assert user.value.code() is grpc.StatusCode.NOT_FOUND
    refused = from_rpc_error(user.value)
    assert (refused.reason, refused.metadata) == ("TENANT_NOT_FOUND",
                                                  {"tenant": "tenants/nowhere"})


async def test_tenants_with_users_or_keys_get_records_when_the_database_migrates(
        tmp_path: pathlib.Path) -> None:
    db = DatabaseConnection(f"sqlite+aiosqlite:///{tmp_path}/auth.db")
    try:
        await upgrade(db, MIGRATIONS, "0004")
        stamp = "2026-11-25 12:00:00.000000+00:00"
        async with db.transaction() as conn:
            await conn.execute(sa.text(
                "INSERT INTO tenants VALUES ('acme', 'acme', :t, :t, 'e', 'Acme', 'SUSPENDED')"),
                {"t": stamp})
            for tenant in ("acme", "globex"):
                await conn.execute(sa.text(
                    "INSERT INTO users (tenant, id, create_time, update_time, etag, "
                    "display_name, email, roles, state) VALUES (:tenant, 'ada', :t, :t, 'e', "
                    "'Ada', 'ada@example.com', '[]', 'ACTIVE')"), {"tenant": tenant, "t": stamp})
            await conn.execute(sa.text(
                "INSERT INTO api_keys (tenant, id, create_time, update_time, etag, display_name,"
                " scopes, key_prefix, secret_hash) VALUES ('initech', 'ci', :t, :t, 'e', 'CI', "
                "'[]', 'cog_ci_', 'hash')"), {"t": stamp})

        await upgrade(db, MIGRATIONS)

        tenants = tenant_repository(db)
        page = await tenants.list_all(PageRequest())
        assert sorted(t.id for t in page.items) == ["acme", "globex", "initech"]
        assert (await tenants.get("acme", "acme")).display_name == "Acme"  # left as it was
        assert (await tenants.get("globex", "globex")).state.value == "ACTIVE"
    finally:
        await db.dispose()
