"""Conversion between the auth service's protobuf messages and its domain models."""

from __future__ import annotations

from collections.abc import Iterable

from cognition.auth.v1 import tenant_pb2, user_pb2
from services.auth.core.models import Role, Tenant, TenantState, User, UserState
from shared import names
from shared.errors import InvalidArgument
from shared.protos import enum_from_proto, enum_to_proto, timestamp

COLLECTION = "users"


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
    values: dict[str, object] = {
        "display_name": message.display_name,
        "email": message.email,
        "roles": roles_from_proto(message.roles),
        "state": state_from_proto(message.state),
    }
    return {path: values[path] for path in paths}


def tenant_name(tenant_id: str) -> str:
    """``acme`` -> ``tenants/acme``."""
    return f"tenants/{tenant_id}"


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
