"""What must hold after every fuzzed request, whatever it was: a clean answer on every route,
the service still SERVING, nothing written by a refused create, and the audit chain intact."""

from __future__ import annotations

import re

import grpc
from google.protobuf.message import Message
from google.protobuf.message_factory import GetMessageClass
from grpc_health.v1 import health_pb2, health_pb2_grpc

from cognition.audit.v1 import audit_service_pb2, audit_service_pb2_grpc
from shared.mesh.registry import ServiceSpec
from tests.fuzz.catalog import Rpc, collection_list
from tests.fuzz.transports import CALL_TIMEOUT, Answer
from tests.helpers import service_metadata

# Statuses that say the service failed rather than answered: never acceptable.
FAILURES = frozenset({"UNKNOWN", "INTERNAL"})
_TENANT_PARENT = re.compile(r"tenants/([a-z0-9][a-z0-9-]{0,62})")


def _from_a_service(answer: Answer) -> bool:
    """Whether a service itself gave the answer (its ErrorInfo), rather than Envoy or the
    transport failing to reach it."""
    return answer.domain.endswith(".cognition") and answer.domain != "gateway.cognition"


def assert_answered_cleanly(answer: Answer) -> None:
    """Never UNKNOWN or INTERNAL; UNAVAILABLE only as a service's deliberate answer; over
    REST, never 500, 502/503 only as a service's answer, and a JSON body unless Envoy refused
    the request before any filter read it (a 4xx of its HTTP codec, such as 431 for a URL
    over its header limit)."""
    assert answer.code not in FAILURES, f"the service failed: {answer}"
    if answer.code == "UNAVAILABLE":
        assert _from_a_service(answer), f"no service answered: {answer}"
    if answer.route == "rest":
        assert isinstance(answer.body, dict) or 400 <= answer.http_status < 500, (
            f"the body is not JSON: {answer}")
        assert answer.http_status != 500, f"HTTP 500: {answer}"
        if answer.http_status in (502, 503):
            assert _from_a_service(answer), f"the gateway failed: {answer}"


async def assert_serving(channel: grpc.aio.Channel, spec: ServiceSpec) -> None:
    """The service's grpc.health.v1 Check on its own port answers SERVING."""
    response = await health_pb2_grpc.HealthStub(channel).Check(
        health_pb2.HealthCheckRequest(service=spec.full_service_name), timeout=5)
    assert response.status == health_pb2.HealthCheckResponse.SERVING, (
        f"{spec.name} is {health_pb2.HealthCheckResponse.ServingStatus.Name(response.status)}")


class Collections:
    """The names in the collection a Create method adds to, listed straight from the service
    as a service of the mesh acting in the request's tenant."""

    def __init__(self, channel: grpc.aio.Channel) -> None:
        self._channel = channel

    async def names(self, rpc: Rpc, request: Message) -> frozenset[str] | None:
        """Names listed under the request's parent; None when ``rpc`` creates nothing or the
        parent cannot be listed."""
        listing = collection_list(rpc)
        if listing is None:
            return None
        parent = getattr(request, "parent", "") if "parent" in request.DESCRIPTOR.fields_by_name \
            else ""
        match = _TENANT_PARENT.match(parent)
        if parent and match is None:
            return None
        list_request = GetMessageClass(listing.request)(page_size=1000)
        if parent:
            list_request.parent = parent
        call = self._channel.unary_unary(
            listing.path, request_serializer=lambda m: m.SerializeToString(),
            response_deserializer=GetMessageClass(listing.response).FromString)
        try:
            listed = await call(list_request, timeout=CALL_TIMEOUT,
                                metadata=service_metadata(match.group(1) if match else ""))
        except grpc.aio.AioRpcError:
            return None
        return frozenset(item.name for field in listed.DESCRIPTOR.fields
                         if field.is_repeated and field.message_type is not None
                         and "name" in field.message_type.fields_by_name
                         for item in getattr(listed, field.name))


def assert_nothing_new(before: frozenset[str], after: frozenset[str], answer: Answer) -> None:
    """A request refused as INVALID_ARGUMENT created nothing."""
    assert after <= before, f"refused ({answer}) yet created {sorted(after - before)}"


async def assert_chain_verifies(channel: grpc.aio.Channel, tenant: str) -> None:
    """The audit-log's VerifyChain of ``tenant`` finds its hash chain intact."""
    response = await audit_service_pb2_grpc.AuditServiceStub(channel).VerifyChain(
        audit_service_pb2.VerifyChainRequest(parent=f"tenants/{tenant}"),
        metadata=service_metadata(tenant), timeout=30)
    assert response.valid, (f"the audit chain of {tenant} breaks at "
                            f"{response.first_bad_entry}: {response.reason}")
