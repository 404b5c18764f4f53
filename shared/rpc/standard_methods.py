"""The standard methods (AIP Get, List, Create, Update, Delete) of a resource, written once.

A servicer declares which of them it serves for a resource, and the attribute holding the
resource's :class:`shared.resources.standard.Resources`::

    TOOLS = StandardResource(pb, "Tool", "Tools", collection="tools",
                             to_proto=convert.tool_to_proto, from_proto=convert.new_tool,
                             changes=convert.tool_changes, filter=convert.TOOL_FILTER)

    class ToolServicer(pb_grpc.ToolServiceServicer):
        CreateTool, GetTool, ListTools, UpdateTool, DeleteTool = standard_methods(TOOLS, "_tools")

        def __init__(self, tools: ToolService) -> None:
            self._tools = tools

Messages follow AIP names: ``GetToolRequest``/``GetToolResponse`` (its ``tool``),
``ListToolsResponse`` (``tools``, ``next_page_token``), ``CreateToolRequest`` (``parent``,
``tool``, and ``tool_id`` when the caller may choose the id), ``UpdateToolRequest`` (``tool``,
``update_mask``), ``DeleteToolRequest`` (``name``). What every call needs beyond that — the
caller's tenant and scope, validation, page tokens, idempotency, the audit entry — is the RPC
boundary's (:mod:`shared.rpc.boundary`); etags and tenant scoping are the store's.
"""

from __future__ import annotations

import functools
import operator
import re
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from types import ModuleType
from typing import Any, Generic, TypeVar

import grpc
from google.protobuf.message import Message

from shared.proto.fields import mask_paths
from shared.resources import names
from shared.resources.entity import Entity
from shared.resources.filters import FilterSpec
from shared.resources.pages import PageRequest

E = TypeVar("E", bound=Entity)
Handler = Callable[[Any, Any, grpc.aio.ServicerContext], Awaitable[Message]]
VERBS = ("create", "get", "list", "update", "delete")


def snake_case(name: str) -> str:
    """``AlertRule`` -> ``alert_rule``."""
    return re.sub(r"(?<!^)(?=[A-Z])", "_", name).lower()


@dataclass(frozen=True)
class StandardResource(Generic[E]):
    """How one resource travels in its service's messages.

    Args:
        messages: The service's ``*_service_pb2`` module.
        singular: The resource's message name (``AlertRule``).
        plural: Its plural as in ``ListAlertRulesResponse`` (``AlertRules``).
        collection: The collection in its names (``tenants/{tenant}/alertRules/{id}``).
        to_proto: The resource as its message.
        from_proto: The new resource a Create makes: tenant, id, the request's message.
        changes: The domain values an Update's message sets for the masked paths.
        filter: The fields its List's ``filter`` takes (a List without one lists all).
        choose_id: The id of a new resource from the caller's ``<field>_id`` (validated,
            or a new one when empty).
    """

    messages: ModuleType
    singular: str
    plural: str
    collection: str
    to_proto: Callable[[E], Message]
    from_proto: Callable[[str, str, Any], E] | None = None
    changes: Callable[[Any, set[str]], dict[str, object]] | None = None
    filter: FilterSpec = field(default_factory=FilterSpec)
    choose_id: Callable[[str, str], str] = names.choose_id

    @functools.cached_property
    def field_name(self) -> str:
        """The field that holds the resource in requests and responses (``alert_rule``)."""
        return snake_case(self.singular)

    def message(self, name: str) -> type[Message]:
        found: type[Message] | None = getattr(self.messages, name, None)
        if found is None:
            raise LookupError(f"{self.messages.__name__} has no {name}")
        return found


def standard_methods(resource: StandardResource[E], resources: str,
                     *verbs: str) -> tuple[Handler, ...]:
    """The handlers of ``verbs`` (default: all five, in the order of :data:`VERBS`) for
    ``resource``, each calling the :class:`Resources` in the servicer's attribute
    ``resources`` (a dotted path reaches into it; or another service with the same
    operations)."""
    chosen = verbs or VERBS
    unknown = set(chosen) - set(VERBS)
    if unknown:
        raise ValueError(f"not a standard method: {', '.join(sorted(unknown))}")
    makers = {"create": _create, "get": _get, "list": _list, "update": _update,
              "delete": _delete}
    return tuple(makers[verb](resource, resources) for verb in chosen)


def _service(attribute: str) -> Callable[[Any], Any]:
    # A Resources, or a service of the same shape with rules of its own: each method
    # needs only the operation of its verb (and an Update the service's ``updatable``).
    # ``attribute`` may be a dotted path (``_executions.assignments``).
    return operator.attrgetter(attribute)


def _create(resource: StandardResource[E], attribute: str) -> Handler:
    service_of = _service(attribute)
    response = resource.message(f"Create{resource.singular}Response")
    id_field = f"{resource.field_name}_id"
    chooses_id = id_field in resource.message(
        f"Create{resource.singular}Request").DESCRIPTOR.fields_by_name
    from_proto = resource.from_proto
    if from_proto is None:
        raise ValueError(f"Create{resource.singular} needs from_proto")

    async def create(servicer: Any, request: Any, context: grpc.aio.ServicerContext) -> Message:
        tenant = names.parse_parent(request.parent)
        id_ = (resource.choose_id(getattr(request, id_field), id_field) if chooses_id
               else names.new_id())
        new = from_proto(tenant, id_, getattr(request, resource.field_name))
        created = await service_of(servicer).create(new)
        return response(**{resource.field_name: resource.to_proto(created)})

    return create


def _get(resource: StandardResource[E], attribute: str) -> Handler:
    service_of = _service(attribute)
    response = resource.message(f"Get{resource.singular}Response")
    field_name, to_proto = resource.field_name, resource.to_proto

    async def get(servicer: Any, request: Any, context: grpc.aio.ServicerContext) -> Message:
        tenant, id_ = names.parse_name(request.name, resource.collection)
        found = await service_of(servicer).get(tenant, id_)
        return response(**{field_name: to_proto(found)})

    return get


def _list(resource: StandardResource[E], attribute: str) -> Handler:
    service_of = _service(attribute)
    response = resource.message(f"List{resource.plural}Response")
    items = snake_case(resource.plural)
    filtered = "filter" in resource.message(
        f"List{resource.plural}Request").DESCRIPTOR.fields_by_name

    async def list_(servicer: Any, request: Any, context: grpc.aio.ServicerContext) -> Message:
        tenant = names.parse_parent(request.parent)
        page_request = PageRequest.of(request.page_size, request.page_token)
        service = service_of(servicer)
        page = (await service.list(tenant, page_request,
                                   resource.filter.parse(request.filter, tenant)) if filtered
                else await service.list(tenant, page_request))
        return response(**{items: [resource.to_proto(item) for item in page.items]},
                        next_page_token=page.next_page_token)

    return list_


def _update(resource: StandardResource[E], attribute: str) -> Handler:
    service_of = _service(attribute)
    response = resource.message(f"Update{resource.singular}Response")
    changes = resource.changes
    if changes is None:
        raise ValueError(f"Update{resource.singular} needs changes")

    async def update(servicer: Any, request: Any, context: grpc.aio.ServicerContext) -> Message:
        message = getattr(request, resource.field_name)
        tenant, id_ = names.parse_name(message.name, resource.collection,
                                       f"{resource.field_name}.name")
        service = service_of(servicer)
        paths = mask_paths(request.update_mask, service.updatable)
        updated = await service.update(tenant, id_, changes(message, paths), message.etag)
        return response(**{resource.field_name: resource.to_proto(updated)})

    return update


def _delete(resource: StandardResource[E], attribute: str) -> Handler:
    service_of = _service(attribute)
    response = resource.message(f"Delete{resource.singular}Response")

    async def delete(servicer: Any, request: Any, context: grpc.aio.ServicerContext) -> Message:
        tenant, id_ = names.parse_name(request.name, resource.collection)
        await service_of(servicer).delete(tenant, id_)
        return response()

    return delete
