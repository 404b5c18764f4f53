"""gRPC servicer of cognition.auth.v1.AuthService: proto in, domain call, proto out."""

from __future__ import annotations

import grpc

from cognition.auth.v1 import auth_service_pb2 as pb
from cognition.auth.v1 import auth_service_pb2_grpc as pb_grpc
from services.auth import convert
from services.auth.core.tenants import TenantService
from services.auth.core.users import UPDATABLE_FIELDS, UserService
from shared import context as call_context
from shared import names
from shared.database import PageRequest
from shared.protos import mask_paths


class AuthServicer(pb_grpc.AuthServiceServicer):
    """Users and tenants. API keys and tokens arrive with identity."""

    def __init__(self, users: UserService, tenants: TenantService) -> None:
        self._users = users
        self._tenants = tenants

    async def CreateUser(self, request: pb.CreateUserRequest,
                         context: grpc.aio.ServicerContext) -> pb.CreateUserResponse:
        tenant = names.parse_parent(request.parent)
        user_id = names.choose_id(request.user_id, "user_id")
        user = await self._users.create(convert.new_user(tenant, user_id, request.user),
                                        request.password)
        return pb.CreateUserResponse(user=convert.user_to_proto(user))

    async def GetUser(self, request: pb.GetUserRequest,
                      context: grpc.aio.ServicerContext) -> pb.GetUserResponse:
        tenant, user_id = names.parse_name(request.name, convert.COLLECTION)
        user = await self._users.get(tenant, user_id)
        return pb.GetUserResponse(user=convert.user_to_proto(user))

    async def ListUsers(self, request: pb.ListUsersRequest,
                        context: grpc.aio.ServicerContext) -> pb.ListUsersResponse:
        tenant = names.parse_parent(request.parent)
        page = await self._users.list(tenant, PageRequest.of(request.page_size, request.page_token))
        return pb.ListUsersResponse(users=[convert.user_to_proto(u) for u in page.items],
                                    next_page_token=page.next_page_token)

    async def UpdateUser(self, request: pb.UpdateUserRequest,
                         context: grpc.aio.ServicerContext) -> pb.UpdateUserResponse:
        tenant, user_id = names.parse_name(request.user.name, convert.COLLECTION, "user.name")
        paths = mask_paths(request.update_mask, UPDATABLE_FIELDS)
        user = await self._users.update(tenant, user_id, convert.user_changes(request.user, paths),
                                        request.user.etag)
        return pb.UpdateUserResponse(user=convert.user_to_proto(user))

    async def DeleteUser(self, request: pb.DeleteUserRequest,
                         context: grpc.aio.ServicerContext) -> pb.DeleteUserResponse:
        tenant, user_id = names.parse_name(request.name, convert.COLLECTION)
        await self._users.delete(tenant, user_id)
        return pb.DeleteUserResponse()

    async def CreateTenant(self, request: pb.CreateTenantRequest,
                           context: grpc.aio.ServicerContext) -> pb.CreateTenantResponse:
        tenant_id = names.choose_id(request.tenant_id, "tenant_id")
        tenant = await self._tenants.create(convert.new_tenant(tenant_id, request.tenant))
        return pb.CreateTenantResponse(tenant=convert.tenant_to_proto(tenant))

    async def GetTenant(self, request: pb.GetTenantRequest,
                        context: grpc.aio.ServicerContext) -> pb.GetTenantResponse:
        tenant_id = names.parse_parent(request.name, "name")
        tenant = await self._tenants.get(tenant_id)
        return pb.GetTenantResponse(tenant=convert.tenant_to_proto(tenant))

    async def ListTenants(self, request: pb.ListTenantsRequest,
                          context: grpc.aio.ServicerContext) -> pb.ListTenantsResponse:
        page = await self._tenants.list(PageRequest.of(request.page_size, request.page_token),
                                        call_context.current().tenant)
        return pb.ListTenantsResponse(tenants=[convert.tenant_to_proto(t) for t in page.items],
                                      next_page_token=page.next_page_token)
