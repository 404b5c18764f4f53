"""What a request message says about itself, read through its descriptor."""

from __future__ import annotations

from google.protobuf.message import Message


def request_tenant(request: Message) -> str:
    """The tenant a request is about: from ``parent`` or ``name``, else from a nested
    message's ``name`` or ``tenant`` (a resource, or a sign-in grant)."""
    candidates = [getattr(request, f, "") for f in ("parent", "name")
                  if f in request.DESCRIPTOR.fields_by_name]
    for field, value in request.ListFields():
        if field.message_type is not None and not field.is_repeated:
            candidates += [getattr(value, f, "") for f in ("name", "tenant")
                           if f in field.message_type.fields_by_name]
    for value in candidates:
        parts = str(value).split("/")
        if len(parts) >= 2 and parts[0] == "tenants" and parts[1]:
            return parts[1]
    return ""
