"""Health probes: grpc.health.v1 Check against a service, directly or through Envoy."""

from __future__ import annotations

import grpc
from grpc_health.v1 import health_pb2, health_pb2_grpc

from cognos.mesh.envoy_config import SERVICE_HEADER
from shared.mesh.registry import ServiceSpec


async def check(address: str, spec: ServiceSpec, *, via_envoy: bool = False,
                timeout: float = 1.0) -> str:
    """The serving status of ``spec`` at ``address`` (``SERVING``, ``NOT_SERVING``, or the
    gRPC status code name when the call itself failed)."""
    metadata = [(SERVICE_HEADER, spec.name)] if via_envoy else []
    async with grpc.aio.insecure_channel(address) as channel:
        stub = health_pb2_grpc.HealthStub(channel)
        try:
            response = await stub.Check(
                health_pb2.HealthCheckRequest(service=spec.full_service_name),
                timeout=timeout, metadata=metadata)
        except grpc.aio.AioRpcError as error:
            return str(error.code().name)
    return str(health_pb2.HealthCheckResponse.ServingStatus.Name(response.status))
