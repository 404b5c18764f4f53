"""Typed handles on a peer's RPCs, found in its contract by their messages.

``Unary.of(GetGoalRequest, GetGoalResponse)`` is the planner's GetGoal: the method of the
request's service that takes that request and answers that response. A handle carries the
method's path and message types, so a call through :class:`shared.mesh.client.ServiceClient`
is checked by the type checker (the request it takes, the response it gives) and names no
method as a string; a pair of messages no method has fails when the handle is made, at import.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import ClassVar, Generic, Self, TypeVar, cast

from google.protobuf.descriptor import MethodDescriptor
from google.protobuf.message import Message

from shared.mesh.resilience import is_idempotent

Req = TypeVar("Req", bound=Message)
Resp = TypeVar("Resp", bound=Message)


def _method_of(request: type[Message], response: type[Message],
               server_streaming: bool) -> MethodDescriptor:
    for service in request.DESCRIPTOR.file.services_by_name.values():
        for method in service.methods:
            if (method.input_type is request.DESCRIPTOR
                    and method.output_type is response.DESCRIPTOR
                    and method.server_streaming == server_streaming
                    and not method.client_streaming):
                return cast(MethodDescriptor, method)
    kind = "server-streaming" if server_streaming else "unary"
    raise LookupError(f"no {kind} method takes {request.DESCRIPTOR.full_name} and answers "
                      f"{response.DESCRIPTOR.full_name}")


@dataclass(frozen=True)
class _Method(Generic[Req, Resp]):
    """An RPC: ``name`` (``GetGoal``), its ``path`` on the wire and its messages."""

    name: str
    path: str
    request: type[Req]
    response: type[Resp]

    server_streaming: ClassVar[bool] = False

    @classmethod
    def of(cls, request: type[Req], response: type[Resp]) -> Self:
        """The method taking ``request`` and answering ``response``."""
        method = _method_of(request, response, cls.server_streaming)
        return cls(method.name, f"/{method.containing_service.full_name}/{method.name}",
                   request, response)


class Unary(_Method[Req, Resp]):
    """A unary RPC."""

    @property
    def idempotent(self) -> bool:
        """Whether the method only reads (and may be retried whatever the request)."""
        return is_idempotent(self.name)


class ServerStream(_Method[Req, Resp]):
    """A server-streaming RPC."""

    server_streaming = True
