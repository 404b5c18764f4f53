"""Conversion between the auth service's protobuf messages and its domain models."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable

from google.protobuf import duration_pb2

from cognition.auth.v1 import api_key_pb2, auth_service_pb2, tenant_pb2, user_pb2
from services.auth.core.models import (
    ApiKey,
    Principal,
    Role,
    Tenant,
    TenantState,
    TokenPair,
    User,
    UserState,
)
from services.auth.core.signing_keys import PublicJwk
from shared.errors import InvalidArgument
from shared.proto.fields import (
    datetime_of,
    enum_from_proto,
    enum_to_proto,
    masked_changes,
    timestamp,
)
from shared.resources import names
from shared.resources.filters import EnumValue, FilterSpec, IsSet, RepeatedEnum
from shared.rpc.standard_methods import StandardResource

COLLECTION = "users"

# The fields of the List filters, as their contracts document them.
USER_FILTER = FilterSpec(state=EnumValue(user_pb2.UserState, UserState),
                         roles=RepeatedEnum(user_pb2.Role, Role))
TENANT_FILTER = FilterSpec(state=EnumValue(tenant_pb2.TenantState, TenantState))
API_KEY_FILTER = FilterSpec(revoked=IsSet("revoke_time"))


def user_to_proto(user: User) -> user_pb2.User:
    """The user as callers see it: never with its password hash."""
    return user_pb2.User(
        name=names.format_name(user.tenant, COLLECTION, user.id),
        display_name=user.display_name,
        email=user.email,
        roles=[enum_to_proto(user_pb2.Role, role) for role in user.roles],
        state=enum_to_proto(user_pb2.UserState, user.state),
        create_time=timestamp(user.create_time),
        update_time=timestamp(user.update_time),
        etag=user.etag,
    )


def state_from_proto(value: int) -> UserState:
    """Proto user state to domain; UNSPECIFIED means ACTIVE."""
    return enum_from_proto(user_pb2.UserState, value, UserState, UserState.ACTIVE)


def roles_from_proto(values: Iterable[int], field: str = "user.roles") -> list[Role]:
    """Proto roles to domain.

    Raises:
        InvalidArgument: A role is ROLE_UNSPECIFIED.
    """
    roles = []
    for i, value in enumerate(values):
        if value == user_pb2.ROLE_UNSPECIFIED:
            raise InvalidArgument.for_field(f"{field}[{i}]", "must be set")
        roles.append(enum_from_proto(user_pb2.Role, value, Role, Role.VIEWER))
    return roles


def new_user(tenant: str, user_id: str, message: user_pb2.User) -> User:
    """The domain user to create from a CreateUser request's user."""
    return User(
        tenant=tenant,
        id=user_id,
        display_name=message.display_name,
        email=message.email,
        roles=roles_from_proto(message.roles),
        state=state_from_proto(message.state),
    )


def user_changes(message: user_pb2.User, paths: set[str]) -> dict[str, object]:
    """The domain field values an UpdateUser request sets, for the masked paths."""
    return masked_changes(paths, {
        "display_name": lambda: message.display_name,
        "email": lambda: message.email,
        "roles": lambda: roles_from_proto(message.roles),
        "state": lambda: state_from_proto(message.state),
    })


USERS = StandardResource(auth_service_pb2, "User", "Users", COLLECTION, to_proto=user_to_proto,
                         changes=user_changes, filter=USER_FILTER)


def tenant_name(tenant_id: str) -> str:
    """``acme`` -> ``tenants/acme``."""
    return f"tenants/{tenant_id}"


def tenant_id(name: str, field: str) -> str:
    """``tenants/acme`` -> ``acme``; empty stays empty.

    Unlike :func:`shared.resources.names.parse_parent`, this does not hold the caller to its
    own tenant:
    for names whose visibility the domain decides (tenants, which the platform sees all of) and
    for the tenant a token is to act in.

    Raises:
        InvalidArgument: ``name`` is neither empty nor a tenant name.
    """
    if not name:
        return ""
    prefix, _, tenant = name.partition("/")
    if prefix != "tenants" or not tenant or "/" in tenant:
        raise InvalidArgument.for_field(field, "must look like tenants/{tenant}")
    return tenant


def tenant_to_proto(tenant: Tenant) -> tenant_pb2.Tenant:
    return tenant_pb2.Tenant(
        name=tenant_name(tenant.id),
        display_name=tenant.display_name,
        state=enum_to_proto(tenant_pb2.TenantState, tenant.state),
        create_time=timestamp(tenant.create_time),
        update_time=timestamp(tenant.update_time),
    )


def new_tenant(tenant_id: str, message: tenant_pb2.Tenant) -> Tenant:
    """The domain tenant to create from a CreateTenant request's tenant."""
    return Tenant(tenant=tenant_id, id=tenant_id, display_name=message.display_name,
                  state=TenantState.ACTIVE)


API_KEYS = "apiKeys"
TOKEN_TYPE = "Bearer"


def api_key_to_proto(key: ApiKey) -> api_key_pb2.ApiKey:
    """The key as callers see it: never with its secret or the secret's hash."""
    return api_key_pb2.ApiKey(
        name=names.format_name(key.tenant, API_KEYS, key.id),
        display_name=key.display_name,
        scopes=key.scopes,
        key_prefix=key.key_prefix,
        expire_time=timestamp(key.expire_time),
        revoke_time=timestamp(key.revoke_time),
        create_time=timestamp(key.create_time),
    )


def new_api_key(tenant: str, key_id: str, message: api_key_pb2.ApiKey) -> ApiKey:
    """The domain key to create from a CreateApiKey request's key."""
    return ApiKey(
        tenant=tenant,
        id=key_id,
        display_name=message.display_name,
        scopes=list(message.scopes),
        expire_time=datetime_of(message.expire_time, message.HasField("expire_time")),
    )


API_KEY_RESOURCE = StandardResource(auth_service_pb2, "ApiKey", "ApiKeys", API_KEYS,
                                    to_proto=api_key_to_proto, filter=API_KEY_FILTER)


def jwk_to_proto(jwk: PublicJwk) -> auth_service_pb2.Jwk:
    return auth_service_pb2.Jwk(kid=jwk.kid, kty=jwk.kty, crv=jwk.crv, x=jwk.x, alg=jwk.alg,
                                use=jwk.use)


def principal_to_proto(principal: Principal) -> auth_service_pb2.Principal:
    return auth_service_pb2.Principal(
        subject=principal.subject,
        tenant=principal.tenant,
        scopes=sorted(principal.scopes),
        expire_time=timestamp(principal.expire_time),
        token_id=principal.token_id,
    )


def issue_token_response(pair: TokenPair) -> auth_service_pb2.IssueTokenResponse:
    return auth_service_pb2.IssueTokenResponse(
        access_token=pair.access_token, refresh_token=pair.refresh_token,
        expires_in=duration(pair.expires_in), token_type=TOKEN_TYPE)


def refresh_token_response(pair: TokenPair) -> auth_service_pb2.RefreshTokenResponse:
    return auth_service_pb2.RefreshTokenResponse(
        access_token=pair.access_token, refresh_token=pair.refresh_token,
        expires_in=duration(pair.expires_in), token_type=TOKEN_TYPE)


def duration(value: dt.timedelta) -> duration_pb2.Duration:
    message = duration_pb2.Duration()
    message.FromTimedelta(value)
    return message
