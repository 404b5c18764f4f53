"""The RPCs the fuzzer calls: every unary method of every service in the registry, found in
the descriptor pool, but for the few whose effects would wreck the run."""

from __future__ import annotations

import functools
import importlib
from dataclasses import dataclass

from google.api import annotations_pb2, http_pb2
from google.protobuf import descriptor_pool
from google.protobuf.descriptor import Descriptor, MethodDescriptor

from shared.mesh.registry import SERVICES, ServiceSpec

# Method -> why the fuzzer leaves it alone.
EXCLUDED = {
    "auth.RotateSigningKey": "retires the key that signs the run's access tokens",
}


@dataclass(frozen=True)
class Rpc:
    """One unary method of a service."""

    spec: ServiceSpec
    method: MethodDescriptor

    def __str__(self) -> str:
        return f"{self.spec.name}.{self.method.name}"

    @property
    def path(self) -> str:
        """The gRPC path, ``/cognition.planner.v1.PlannerService/CreateGoal``."""
        return f"/{self.spec.full_service_name}/{self.method.name}"

    @property
    def request(self) -> Descriptor:
        return self.method.input_type

    @property
    def response(self) -> Descriptor:
        return self.method.output_type

    @property
    def http(self) -> http_pb2.HttpRule | None:
        """Its ``google.api.http`` annotation, if it has one."""
        options = self.method.GetOptions()
        return options.Extensions[annotations_pb2.http] if options.HasExtension(
            annotations_pb2.http) else None


def _template(rule: http_pb2.HttpRule) -> tuple[str, str]:
    verb = rule.WhichOneof("pattern")
    return verb, getattr(rule, verb)


@functools.cache
def unary_rpcs() -> tuple[Rpc, ...]:
    """Every unary RPC of every service, but :data:`EXCLUDED`."""
    found = []
    for spec in SERVICES:
        domain = spec.proto_package.split(".")[1]
        importlib.import_module(f"{spec.proto_package}.{domain}_service_pb2")
        service = descriptor_pool.Default().FindServiceByName(spec.full_service_name)
        found += [Rpc(spec, m) for m in service.methods
                  if not m.client_streaming and not m.server_streaming]
    return tuple(r for r in found if str(r) not in EXCLUDED)


def collection_list(rpc: Rpc) -> Rpc | None:
    """For a method that creates in a collection (``POST /v1/{parent=…}/goals``), the List
    of that collection (``GET`` on the same path), if its service has one."""
    if rpc.http is None or _template(rpc.http)[0] != "post":
        return None
    path = _template(rpc.http)[1]
    for other in unary_rpcs():
        if other.spec == rpc.spec and other.http is not None and _template(
                other.http) == ("get", path) and other.method.name.startswith("List"):
            return other
    return None
