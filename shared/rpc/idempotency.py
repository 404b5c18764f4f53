"""Replaying the first response of a mutation retried with the same ``request_id``.

Used by the RPC boundary interceptor for every unary method whose request has a non-empty
``request_id`` field; the responses are kept in the service's own
:class:`shared.database.idempotency.IdempotencyStore`.
"""

from __future__ import annotations

import functools
import hashlib
from collections.abc import Awaitable, Callable

from google.protobuf import descriptor_pool, message_factory
from google.protobuf.message import Message

from cognition.options.v1 import idempotency_pb2
from shared.database.idempotency import IdempotencyStore
from shared.errors import InvalidArgument
from shared.proto.requests import request_tenant
from shared.rpc.sensitive import has_secrets, without_secrets


def fingerprint(request: Message) -> str:
    """SHA-256 of the request without its request_id and secrets (deterministic)."""
    copy = without_secrets(request)
    copy.ClearField("request_id")
    return hashlib.sha256(copy.SerializeToString(deterministic=True)).hexdigest()


@functools.lru_cache(maxsize=1024)
def kept_by_service(method: str) -> bool:
    """Whether ``/pkg.Service/Method`` keeps its request ids itself (its contract says so with
    ``(cognition.options.v1.idempotency) = {kept_by_service: true}``)."""
    service, _, name = method.lstrip("/").rpartition("/")
    try:
        options = descriptor_pool.Default().FindServiceByName(service).methods_by_name[
            name].GetOptions()
    except KeyError:
        return False
    if not options.HasExtension(idempotency_pb2.idempotency):  # type: ignore[arg-type]
        return False
    extension = idempotency_pb2.idempotency
    rule: idempotency_pb2.Idempotency = options.Extensions[extension]  # type: ignore[index]
    return rule.kept_by_service


def takes_request_id(method: str) -> bool:
    """Whether the request of ``/pkg.Service/Method`` has a ``request_id`` field (False for a
    method the descriptor pool does not know)."""
    service, _, name = method.lstrip("/").rpartition("/")
    try:
        descriptor = descriptor_pool.Default().FindServiceByName(service).methods_by_name[name]
    except KeyError:
        return False
    return "request_id" in descriptor.input_type.fields_by_name


def response_class(method: str) -> type[Message]:
    """The response message class of ``/pkg.Service/Method``."""
    service, name = method.lstrip("/").rsplit("/", 1)
    descriptor = descriptor_pool.Default().FindServiceByName(service).methods_by_name[name]
    return message_factory.GetMessageClass(descriptor.output_type)


class IdempotentCalls:
    """Runs a mutation once per (tenant, method, request_id) and replays its response."""

    def __init__(self, store: IdempotencyStore) -> None:
        self._store = store

    async def run(self, method: str, request: Message,
                  call: Callable[[], Awaitable[Message]]) -> Message:
        """The handler's response, or the remembered one for a repeated request id.

        Raises:
            InvalidArgument: The request id was used before for a different request.
        """
        request_id: str = (getattr(request, "request_id", "")
                           if "request_id" in request.DESCRIPTOR.fields_by_name else "")
        if not request_id or kept_by_service(method):
            return await call()
        tenant, digest = request_tenant(request), fingerprint(request)
        remembered = await self._store.recall(tenant, method, request_id)
        if remembered is not None:
            if remembered.fingerprint != digest:
                raise InvalidArgument.for_field(
                    "request_id", "was already used for a different request", "REQUEST_ID_REUSED")
            return response_class(method).FromString(remembered.response)
        response = await call()
        if not has_secrets(response.DESCRIPTOR):  # a secret is shown once, never kept
            await self._store.remember(tenant, method, request_id, digest,
                                       response.SerializeToString(deterministic=True))
        return response
