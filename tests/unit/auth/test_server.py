"""The auth service's real server on a free port, driven over a gRPC channel."""

from __future__ import annotations

import logging
import pathlib

import grpc
import pytest
from google.protobuf import field_mask_pb2

from cognition.auth.v1 import auth_service_pb2 as pb
from cognition.auth.v1 import auth_service_pb2_grpc as pb_grpc
from cognition.auth.v1 import tenant_pb2, user_pb2
from services.auth.config import Settings
from services.auth.server import create_server

PASSWORD = "correct horse battery staple"


async def test_user_crud_and_tenants_over_grpc(tmp_path: pathlib.Path,
                                               caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.DEBUG)
    running = await create_server(Settings(port=0, mesh={"data_dir": str(tmp_path)}))
    try:
        async with grpc.aio.insecure_channel(f"127.0.0.1:{running.port}") as channel:
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

            with pytest.raises(grpc.aio.AioRpcError) as unserved:
                await stub.GetJwks(pb.GetJwksRequest())
            assert unserved.value.code() == grpc.StatusCode.UNIMPLEMENTED
    finally:
        await running.stop(0)
    assert PASSWORD not in caplog.text
