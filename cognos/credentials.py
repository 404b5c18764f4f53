"""Credentials for calling the mesh through Envoy: tokens from an API key, attached to calls."""

from __future__ import annotations

import pathlib
from collections.abc import Awaitable, Callable, Sequence
from typing import Any

import grpc

from cognition.auth.v1 import auth_service_pb2, auth_service_pb2_grpc, tenant_pb2
from shared.context import AUTHORIZATION_HEADER


def read_secret(path: pathlib.Path) -> str:
    """An API key secret stored in a file (such as the bootstrap admin key)."""
    return path.read_text().strip()


async def issue_token(address: str, secret: str, *, tenant: str = "",
                      scopes: Sequence[str] = ()) -> str:
    """An access token for the API key ``secret``, acting in ``tenant`` if given (a platform
    key may act in any tenant), with ``scopes`` (empty: all the key has)."""
    async with grpc.aio.insecure_channel(address) as channel:
        response = await auth_service_pb2_grpc.AuthServiceStub(channel).IssueToken(
            auth_service_pb2.IssueTokenRequest(
                api_key=auth_service_pb2.ApiKeyGrant(secret=secret),
                tenant=f"tenants/{tenant}" if tenant else "", scopes=list(scopes)),
            timeout=10)
    return str(response.access_token)


async def ensure_tenant(address: str, token: str, tenant: str) -> bool:
    """Create ``tenants/{tenant}`` unless it exists, with a platform admin's ``token``;
    whether it was created."""
    async with grpc.aio.insecure_channel(address) as channel:
        try:
            await auth_service_pb2_grpc.AuthServiceStub(channel).CreateTenant(
                auth_service_pb2.CreateTenantRequest(
                    tenant=tenant_pb2.Tenant(display_name=tenant), tenant_id=tenant),
                metadata=[(AUTHORIZATION_HEADER, f"Bearer {token}")], timeout=10)
        except grpc.aio.AioRpcError as error:
            if error.code() != grpc.StatusCode.ALREADY_EXISTS:
                raise
            return False
    return True


TokenFor = Callable[[Any], Awaitable[str | None]]


class _Bearer:
    """Adds ``authorization: Bearer …`` to every call that does not carry one already."""

    def __init__(self, token_for: TokenFor) -> None:
        self._token_for = token_for

    async def _with_token(self, details: Any, request: Any) -> Any:
        metadata = list(details.metadata or ())
        if not any(key == AUTHORIZATION_HEADER for key, _ in metadata):
            token = await self._token_for(request)
            if token:
                metadata.append((AUTHORIZATION_HEADER, f"Bearer {token}"))
        return details._replace(metadata=metadata)


class _BearerUnary(_Bearer, grpc.aio.UnaryUnaryClientInterceptor):
    async def intercept_unary_unary(self, continuation: Any, details: Any, request: Any) -> Any:
        return await continuation(await self._with_token(details, request), request)


class _BearerStream(_Bearer, grpc.aio.UnaryStreamClientInterceptor):
    async def intercept_unary_stream(self, continuation: Any, details: Any, request: Any) -> Any:
        return await continuation(await self._with_token(details, request), request)


def bearer_credentials(token_for: TokenFor) -> list[grpc.aio.ClientInterceptor]:
    """Interceptors adding the token ``token_for`` gives for each request (None: none) to
    unary and server-streaming calls alike (a channel takes an interceptor for one kind)."""
    return [_BearerUnary(token_for), _BearerStream(token_for)]
