"""Envoy's configuration, rendered from the service registry.

One listener serves gRPC (a route per method of the contracts) and REST/JSON (gRPC-JSON
transcoding with the generated descriptor set). Per cluster: HTTP/2 upstreams, active gRPC
health checks, circuit-breaker thresholds and outlier detection. Idempotent methods get a
retry policy that moves to another replica; other methods are never retried by Envoy.
Health and reflection calls choose their service by the ``x-cognos-service`` header. Requests
no route takes are answered by the last routes (:mod:`unrouted`).
"""

from __future__ import annotations

import json
import pathlib
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from buf.validate import validate_pb2
from google.protobuf import descriptor_pb2

from cognos.mesh.edge_auth import (
    EdgeAuth,
    jwks_cluster,
    jwt_filter,
    token_check_off,
)
from cognos.mesh.unrouted import unrouted_routes
from shared.mesh.registry import ENVOY_ADMIN_PORT, ENVOY_LISTEN_PORT, SERVICES, ServiceSpec
from shared.mesh.resilience import is_idempotent

SERVICE_HEADER = "x-cognos-service"
ROUTE_TIMEOUT_S = 30.0  # a unary call's whole budget at the edge, retries included
PER_TRY_TIMEOUT_S = 10.0
# A request field that asks the server to hold the call until something happens (a long poll):
# its longest value, from the contract's rules, adds to the method's timeouts.
LONG_POLL_FIELD = "max_wait"
RETRY_ON = "unavailable,reset,connect-failure,cancelled,refused-stream"
# Calls answered by a model, which may generate for minutes (a local model on a small CPU):
# the caller's deadline bounds them, not the edge's route timeout.
MODEL_CALLS = frozenset({"/cognition.runtime.v1.RuntimeService/Complete",
                         "/cognition.runtime.v1.RuntimeService/Embed"})
UNHEALTHY_RECHECK_S = 0.2  # seconds between health checks of a replica marked unhealthy
INFRA_PREFIXES = ("/grpc.health.v1.Health/", "/grpc.reflection.v1alpha.ServerReflection/",
                  "/grpc.reflection.v1.ServerReflection/")


@dataclass(frozen=True)
class EnvoyOptions:
    """What varies between renderings: addresses, replicas, files."""

    descriptor_set: pathlib.Path
    # service name -> list of (host, port) replicas; defaults to the registry's port.
    endpoints: Mapping[str, Sequence[tuple[str, int]]] = field(default_factory=dict)
    listen_host: str = "0.0.0.0"
    listen_port: int = ENVOY_LISTEN_PORT
    admin_host: str = "127.0.0.1"
    admin_port: int = ENVOY_ADMIN_PORT
    access_log: pathlib.Path | None = None
    health_check_interval: float = 1.0
    # Verify bearer tokens at the edge (None: identity headers pass through, for development).
    edge_auth: EdgeAuth | None = None


@dataclass(frozen=True)
class RpcMethod:
    """One method of the contracts as the edge routes it."""

    name: str
    server_streaming: bool
    # Seconds the server may hold the call by the request's own asking (a long poll's
    # ``max_wait``), before its ordinary budget starts.
    longest_wait: float = 0.0


def rpc_methods(descriptor_set: pathlib.Path) -> dict[str, list[RpcMethod]]:
    """Full service name -> its methods, from the descriptor set."""
    fds = descriptor_pb2.FileDescriptorSet.FromString(descriptor_set.read_bytes())
    messages = {f".{file.package}.{message.name}": message
                for file in fds.file for message in file.message_type}
    methods: dict[str, list[RpcMethod]] = {}
    for file in fds.file:
        for service in file.service:
            full = f"{file.package}.{service.name}"
            methods[full] = [RpcMethod(m.name, m.server_streaming,
                                       _longest_wait(messages.get(m.input_type)))
                             for m in service.method]
    return methods


def _longest_wait(request: descriptor_pb2.DescriptorProto | None) -> float:
    """The upper bound the contract puts on the request's long-poll field (0: none)."""
    if request is None:
        return 0.0
    for field_proto in request.field:
        if field_proto.name == LONG_POLL_FIELD:
            field_rules: validate_pb2.FieldRules = field_proto.options.Extensions[
                validate_pb2.field]  # type: ignore[index]
            rules = field_rules.duration
            if not rules.HasField("lte"):
                raise ValueError(f"{request.name}.{LONG_POLL_FIELD} needs an upper bound (lte)")
            return float(rules.lte.seconds + rules.lte.nanos / 1e9)
    return 0.0


def _duration(seconds: float) -> str:
    return f"{seconds:g}s"


def _routes(spec: ServiceSpec, methods: Sequence[RpcMethod]) -> list[dict[str, Any]]:
    """A route per method (gRPC only: REST calls match once transcoded), then health and
    reflection by the service header. A long poll's timeouts grow by its longest wait."""
    cluster = spec.name
    prefix = f"/{spec.full_service_name}/"
    routes: list[dict[str, Any]] = []
    for method in methods:
        action: dict[str, Any] = {"cluster": cluster,
                                  "timeout": _duration(ROUTE_TIMEOUT_S + method.longest_wait)}
        if method.server_streaming:
            action.update(timeout="0s", idle_timeout="3600s")
        elif prefix + method.name in MODEL_CALLS:
            action["timeout"] = "0s"
        elif is_idempotent(method.name):
            action["retry_policy"] = _retry_policy(PER_TRY_TIMEOUT_S + method.longest_wait)
        # Other methods (mutations) are never retried by Envoy.
        routes.append({"match": {"path": prefix + method.name, "grpc": {}}, "route": action})
    for infra in INFRA_PREFIXES:
        routes.append({
            "match": {"prefix": infra, "grpc": {},
                      "headers": [{"name": SERVICE_HEADER,
                                   "string_match": {"exact": spec.name}}]},
            "route": {"cluster": cluster, "timeout": "0s"},
        })
    return routes


def _retry_policy(per_try_timeout: float) -> dict[str, Any]:
    return {
        "retry_on": RETRY_ON,
        "num_retries": 3,
        "per_try_timeout": _duration(per_try_timeout),
        "retry_back_off": {"base_interval": "0.025s", "max_interval": "0.25s"},
        "retry_host_predicate": [{"name": "envoy.retry_host_predicates.previous_hosts",
                                  "typed_config": {
                                      "@type": "type.googleapis.com/envoy.extensions."
                                               "retry.host.previous_hosts.v3."
                                               "PreviousHostsPredicate"}}],
        "host_selection_retry_max_attempts": "5",
    }


def _cluster(spec: ServiceSpec, endpoints: Sequence[tuple[str, int]],
             interval: float) -> dict[str, Any]:
    return {
        "name": spec.name,
        "type": "STATIC",
        "connect_timeout": "1s",
        "lb_policy": "ROUND_ROBIN",
        "typed_extension_protocol_options": {
            "envoy.extensions.upstreams.http.v3.HttpProtocolOptions": {
                "@type": "type.googleapis.com/envoy.extensions.upstreams.http.v3."
                         "HttpProtocolOptions",
                "explicit_http_config": {"http2_protocol_options": {}},
            }
        },
        "load_assignment": {
            "cluster_name": spec.name,
            "endpoints": [{"lb_endpoints": [
                {"endpoint": {"address": {"socket_address": {"address": host,
                                                             "port_value": port}}}}
                for host, port in endpoints
            ]}],
        },
        "health_checks": [{
            "timeout": "1s",
            "interval": _duration(interval),
            "no_traffic_interval": _duration(interval),
            # A replica marked unhealthy (stopped, restarting) is checked more often, so it
            # takes traffic again within a fraction of the interval once it serves.
            "unhealthy_interval": _duration(min(interval, UNHEALTHY_RECHECK_S)),
            "unhealthy_threshold": 2,
            "healthy_threshold": 1,
            "grpc_health_check": {"service_name": spec.full_service_name},
        }],
        "circuit_breakers": {"thresholds": [{
            "priority": "DEFAULT",
            "max_connections": 1024,
            "max_pending_requests": 1024,
            "max_requests": 1024,
            "max_retries": 64,
        }]},
        "outlier_detection": {
            "consecutive_5xx": 5,
            "consecutive_gateway_failure": 3,
            "interval": "1s",
            "base_ejection_time": "5s",
            "max_ejection_percent": 50,
        },
        "common_lb_config": {"healthy_panic_threshold": {"value": 0}},
    }


def _transcoder(descriptor_set: pathlib.Path) -> dict[str, Any]:
    return {
        "name": "envoy.filters.http.grpc_json_transcoder",
        "typed_config": {
            "@type": "type.googleapis.com/envoy.extensions.filters.http."
                     "grpc_json_transcoder.v3.GrpcJsonTranscoder",
            "proto_descriptor": str(descriptor_set),
            "services": [spec.full_service_name for spec in SERVICES],
            "convert_grpc_status": True,
            "print_options": {"add_whitespace": False, "always_print_primitive_fields": True,
                              "always_print_enums_as_ints": False,
                              "preserve_proto_field_names": False},
            "request_validation_options": {"reject_unknown_query_parameters": True},
        },
    }


def _error_shaper() -> dict[str, Any]:
    script = (pathlib.Path(__file__).parent / "transcoder_errors.lua").read_text()
    return {
        "name": "envoy.filters.http.lua",
        "typed_config": {
            "@type": "type.googleapis.com/envoy.extensions.filters.http.lua.v3.Lua",
            "default_source_code": {"inline_string": script},
        },
    }


def render(options: EnvoyOptions) -> dict[str, Any]:
    """The full bootstrap configuration as a dict (serialise with :func:`to_json`)."""
    methods = rpc_methods(options.descriptor_set)
    routes: list[dict[str, Any]] = []
    clusters = []
    for spec in SERVICES:
        endpoints = options.endpoints.get(spec.name) or [("127.0.0.1", spec.port)]
        routes.extend(_routes(spec, methods.get(spec.full_service_name, [])))
        clusters.append(_cluster(spec, endpoints, options.health_check_interval))
    routes.extend(unrouted_routes(
        [f"/{spec.full_service_name}/" for spec in SERVICES] + list(INFRA_PREFIXES),
        token_check_off() if options.edge_auth else None))
    access_log = []
    if options.access_log is not None:
        access_log.append({
            "name": "envoy.access_loggers.file",
            "typed_config": {
                "@type": "type.googleapis.com/envoy.extensions.access_loggers.file.v3."
                         "FileAccessLog",
                "path": str(options.access_log),
            },
        })
    manager = {
        "@type": "type.googleapis.com/envoy.extensions.filters.network."
                 "http_connection_manager.v3.HttpConnectionManager",
        "stat_prefix": "ingress",
        "codec_type": "AUTO",
        "access_log": access_log,
        "route_config": {"name": "mesh", "virtual_hosts": [
            {"name": "cognition", "domains": ["*"], "routes": routes}]},
        "http_filters": _http_filters(options),
        "http2_protocol_options": {"max_concurrent_streams": 1024},
        "stream_idle_timeout": "3600s",
    }
    return {
        "admin": {"address": {"socket_address": {"address": options.admin_host,
                                                 "port_value": options.admin_port}}},
        "static_resources": {
            "listeners": [{
                "name": "api",
                "address": {"socket_address": {"address": options.listen_host,
                                               "port_value": options.listen_port}},
                "filter_chains": [{"filters": [{
                    "name": "envoy.filters.network.http_connection_manager",
                    "typed_config": manager,
                }]}],
            }],
            "clusters": clusters + ([jwks_cluster(options.edge_auth)]
                                    if options.edge_auth else []),
        },
    }


def _http_filters(options: EnvoyOptions) -> list[dict[str, Any]]:
    router = {"name": "envoy.filters.http.router", "typed_config": {
        "@type": "type.googleapis.com/envoy.extensions.filters.http.router.v3.Router"}}
    if options.edge_auth is None:
        return [_error_shaper(), _transcoder(options.descriptor_set), router]
    return [_error_shaper(), _transcoder(options.descriptor_set),
            jwt_filter(options.edge_auth, options.descriptor_set), router]


def to_json(config: Mapping[str, Any]) -> str:
    """Stable JSON text of a rendered configuration (Envoy reads JSON as YAML)."""
    return json.dumps(config, indent=2, sort_keys=True) + "\n"
