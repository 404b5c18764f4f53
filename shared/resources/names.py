"""Resource names (AIP-122): parsing ``tenants/{tenant}/<collection>/{id}`` and making ids."""

from __future__ import annotations

import re
import uuid

from shared import context
from shared.errors import InvalidArgument, NotFound

_ID = re.compile(r"^[a-z0-9][a-z0-9-]{0,62}$")


def new_id() -> str:
    """A fresh resource id (a UUID4, which fits the id pattern)."""
    return str(uuid.uuid4())


def check_tenant_access(tenant: str) -> None:
    """Refuse access to another tenant's resources with NOT_FOUND (never reveal they exist).

    A call that carries no tenant (an internal or bootstrap call) is not restricted here;
    authentication decides whether such calls are admitted at all.
    """
    caller = context.current().tenant
    if caller and caller != tenant:
        raise NotFound("resource not found", reason="NOT_FOUND")


def parse_parent(parent: str, field: str = "parent") -> str:
    """``tenants/acme`` -> ``acme``, checking the caller may use that tenant.

    Raises:
        InvalidArgument: ``parent`` is not a tenant name.
        NotFound: The caller belongs to another tenant.
    """
    parts = parent.split("/")
    if len(parts) != 2 or parts[0] != "tenants" or not parts[1]:
        raise InvalidArgument.for_field(field, "must look like tenants/{tenant}")
    check_tenant_access(parts[1])
    return parts[1]


def parse_name(name: str, collection: str, field: str = "name") -> tuple[str, str]:
    """``tenants/acme/goals/g1`` -> ``("acme", "g1")`` for collection ``goals``.

    Raises:
        InvalidArgument: ``name`` is not of that pattern.
        NotFound: The caller belongs to another tenant.
    """
    parts = name.split("/")
    if len(parts) != 4 or parts[0] != "tenants" or parts[2] != collection or not all(parts):
        pattern = f"tenants/{{tenant}}/{collection}/{{id}}"
        raise InvalidArgument.for_field(field, f"must look like {pattern}")
    check_tenant_access(parts[1])
    return parts[1], parts[3]


def format_name(tenant: str, collection: str, id_: str) -> str:
    """``("acme", "goals", "g1")`` -> ``tenants/acme/goals/g1``."""
    return f"tenants/{tenant}/{collection}/{id_}"


def choose_id(requested: str, field: str) -> str:
    """The client-chosen id if given (validated), else a new one."""
    if not requested:
        return new_id()
    if not _ID.match(requested):
        raise InvalidArgument.for_field(field, "must match ^[a-z0-9][a-z0-9-]{0,62}$")
    return requested
