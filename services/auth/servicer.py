"""gRPC servicer of cognition.auth.v1.AuthService: proto in, domain call, proto out."""

from __future__ import annotations

import asyncio

import grpc

from cognition.auth.v1 import auth_service_pb2 as pb
from cognition.auth.v1 import auth_service_pb2_grpc as pb_grpc
from services.auth import convert
from services.auth.convert import API_KEY_RESOURCE, USERS
from services.auth.core.access_tokens import TokenVerifier
from services.auth.core.api_keys import ApiKeyService
from services.auth.core.signing_keys import SigningKeys
from services.auth.core.tenants import TenantService
from services.auth.core.token_service import TokenService
from services.auth.core.users import UserService
from shared import context as call_context
from shared.database import PageRequest
from shared.resources import names
from shared.rpc.standard_methods import standard_methods


class AuthServicer(pb_grpc.AuthServiceServicer):
    """Users, tenants, API keys, tokens and signing keys."""

    # Creating a user takes its password, and creating an API key answers with its secret;
    # tenants are not within a caller's tenant (TenantService decides who sees which).
    GetUser, ListUsers, UpdateUser, DeleteUser = standard_methods(
        USERS, "_users", "get", "list", "update", "delete")
    GetApiKey, ListApiKeys = standard_methods(API_KEY_RESOURCE, "_api_keys", "get", "list")

    def __init__(self, users: UserService, tenants: TenantService, api_keys: ApiKeyService,
                 tokens: TokenService, verifier: TokenVerifier, keys: SigningKeys) -> None:
        self._users = users
        self._tenants = tenants
        self._api_keys = api_keys
        self._tokens = tokens
        self._verifier = verifier
        self._keys = keys

    async def CreateUser(self, request: pb.CreateUserRequest,
                         context: grpc.aio.ServicerContext) -> pb.CreateUserResponse:
        tenant = names.parse_parent(request.parent)
        user_id = names.choose_id(request.user_id, "user_id")
        user = await self._users.create(convert.new_user(tenant, user_id, request.user),
                                        request.password)
        return pb.CreateUserResponse(user=convert.user_to_proto(user))

    async def CreateTenant(self, request: pb.CreateTenantRequest,
                           context: grpc.aio.ServicerContext) -> pb.CreateTenantResponse:
        # The new tenant is not the caller's by design: TenantService decides who may create.
        tenant_id = names.choose_id(request.tenant_id, "tenant_id")
        tenant = await self._tenants.create(convert.new_tenant(tenant_id, request.tenant),
                                            call_context.current().tenant)
        return pb.CreateTenantResponse(tenant=convert.tenant_to_proto(tenant))

    async def GetTenant(self, request: pb.GetTenantRequest,
                        context: grpc.aio.ServicerContext) -> pb.GetTenantResponse:
        tenant_id = convert.tenant_id(request.name, "name")
        tenant = await self._tenants.get(tenant_id, call_context.current().tenant)
        return pb.GetTenantResponse(tenant=convert.tenant_to_proto(tenant))

    async def ListTenants(self, request: pb.ListTenantsRequest,
                          context: grpc.aio.ServicerContext) -> pb.ListTenantsResponse:
        matching = convert.TENANT_FILTER.parse(request.filter)
        page = await self._tenants.list(PageRequest.of(request.page_size, request.page_token),
                                        call_context.current().tenant, matching)
        return pb.ListTenantsResponse(tenants=[convert.tenant_to_proto(t) for t in page.items],
                                      next_page_token=page.next_page_token)

    async def CreateApiKey(self, request: pb.CreateApiKeyRequest,
                           context: grpc.aio.ServicerContext) -> pb.CreateApiKeyResponse:
        tenant = names.parse_parent(request.parent)
        key_id = names.choose_id(request.api_key_id, "api_key_id")
        key, secret = await self._api_keys.create(
            convert.new_api_key(tenant, key_id, request.api_key))
        return pb.CreateApiKeyResponse(api_key=convert.api_key_to_proto(key), secret=secret)

    async def RevokeApiKey(self, request: pb.RevokeApiKeyRequest,
                           context: grpc.aio.ServicerContext) -> pb.RevokeApiKeyResponse:
        tenant, key_id = names.parse_name(request.name, convert.API_KEYS)
        key = await self._api_keys.revoke(tenant, key_id)
        return pb.RevokeApiKeyResponse(api_key=convert.api_key_to_proto(key))

    async def IssueToken(self, request: pb.IssueTokenRequest,
                         context: grpc.aio.ServicerContext) -> pb.IssueTokenResponse:
        # The acting tenant is checked against the principal, not the (anonymous) caller.
        acting_tenant = convert.tenant_id(request.tenant, "tenant")
        if request.WhichOneof("grant") == "password":
            grant = request.password
            tenant = names.parse_parent(grant.tenant, "password.tenant")
            pair = await self._tokens.sign_in_with_password(tenant, grant.email, grant.password,
                                                            request.scopes, acting_tenant)
        else:
            pair = await self._tokens.sign_in_with_api_key(request.api_key.secret,
                                                           request.scopes, acting_tenant)
        return convert.issue_token_response(pair)

    async def RefreshToken(self, request: pb.RefreshTokenRequest,
                           context: grpc.aio.ServicerContext) -> pb.RefreshTokenResponse:
        pair = await self._tokens.refresh(request.refresh_token)
        return convert.refresh_token_response(pair)

    async def RevokeToken(self, request: pb.RevokeTokenRequest,
                          context: grpc.aio.ServicerContext) -> pb.RevokeTokenResponse:
        await self._tokens.revoke(request.token)
        return pb.RevokeTokenResponse()

    async def GetJwks(self, request: pb.GetJwksRequest,
                      context: grpc.aio.ServicerContext) -> pb.GetJwksResponse:
        return pb.GetJwksResponse(keys=[convert.jwk_to_proto(k.jwk())
                                        for k in self._keys.published()])

    async def RotateSigningKey(self, request: pb.RotateSigningKeyRequest,
                               context: grpc.aio.ServicerContext) -> pb.RotateSigningKeyResponse:
        # Key files and their lock are blocking I/O: keep them off the event loop.
        key = await asyncio.to_thread(self._keys.rotate)
        return pb.RotateSigningKeyResponse(
            signing_key=convert.jwk_to_proto(key.jwk()),
            keys=[convert.jwk_to_proto(k.jwk()) for k in self._keys.published()])

    async def VerifyToken(self, request: pb.VerifyTokenRequest,
                          context: grpc.aio.ServicerContext) -> pb.VerifyTokenResponse:
        principal = await self._verifier.verify(request.token)
        return pb.VerifyTokenResponse(principal=convert.principal_to_proto(principal))
